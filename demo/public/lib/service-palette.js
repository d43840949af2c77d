// One colour per service, stable for the page's life: the dashboard and the demo server get the first two
// (blue, green), others the rest in order of appearance. CSS holds the colours, keyed by data-svc.

const KNOWN = ['traced-eventsource-demo-dashboard', 'traced-eventsource-demo-server'];
const SIZE = 6;

export class ServicePalette {
  constructor() {
    this.index = new Map(KNOWN.map((s, i) => [s, i]));
  }

  /** The colour slot (0…5) of `service`, as a string for data-svc. */
  slot(service) {
    if (!this.index.has(service)) this.index.set(service, this.index.size % SIZE);
    return String(this.index.get(service));
  }

  /** A short name for tight places: the part after the common demo prefix. */
  static short(service) {
    return service.replace(/^traced-eventsource-demo-/, '');
  }
}
