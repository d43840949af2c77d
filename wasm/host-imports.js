// The Wasm core's only import (linked with --js-library): random bytes for trace and span ids from the
// platform CSPRNG (REQUIREMENTS B1). crypto.getRandomValues exists in pages, workers and Node 20.
mergeInto(LibraryManager.library, {
  tes_host_fill_random: function (ptr, len) {
    crypto.getRandomValues(HEAPU8.subarray(ptr, ptr + len));
  },
});
