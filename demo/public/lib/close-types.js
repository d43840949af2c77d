// How a connection attempt ended (the package's CloseType), as the page names and orders them. The colours
// live in style.css under [data-close-type].

export const CLOSE_TYPES = ['graceful', 'network', 'http-status', 'idle-timeout', 'stream-cap', 'content-type', 'cors', 'app-close'];

export const CLOSE_LABELS = {
  graceful: 'server ended the body',
  network: 'connection dropped',
  'http-status': 'HTTP status',
  'idle-timeout': 'no bytes for idleTimeoutMs',
  'stream-cap': 'event too large',
  'content-type': 'not text/event-stream',
  cors: 'refused by CORS',
  'app-close': 'close() called',
};

/** 'network', or 'http-status 503': the status says something only when it is why the attempt ended. */
export const closeLabel = ({ closeType, status }) => (closeType === 'http-status' && status ? `${closeType} ${status}` : closeType);
