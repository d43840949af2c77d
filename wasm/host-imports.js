// What the Wasm core imports from its host (linked with --js-library).
mergeInto(LibraryManager.library, {
  // Random bytes for trace and span ids from the platform CSPRNG (REQUIREMENTS B1). crypto.getRandomValues
  // exists in pages, workers and Node 20.
  tes_host_fill_random: function (ptr, len) {
    crypto.getRandomValues(HEAPU8.subarray(ptr, ptr + len));
  },
  // The shell's clock (js-glue/platform.js `now`), for outcomes of exports the core sent itself.
  tes_host_now: function () {
    return performance.timeOrigin + performance.now();
  },
  // An export the core sent itself (wasm/fetch_export.h) settled: hand the telemetry's new commands to the
  // shell (js-glue/core-bindings.js registers the receiver on the module object).
  tes_host_export_done: function (telemetry, job, view) {
    Module['tesExportDone'](telemetry, job, view);
  },
});
