// Imported first by the consumer page and worker, so it listens before anything else runs: every
// Content-Security-Policy violation in this realm (page or worker) is recorded.
export const violations = [];
globalThis.addEventListener('securitypolicyviolation', (e) => {
  violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample });
}, true);
