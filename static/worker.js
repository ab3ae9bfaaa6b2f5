// The analysis worker: loads the app's own wasm module (same origin, already in the browser's
// cache) and runs the engine on the inputs the page sends, so large reviews never block typing.
let engine = null;

self.onmessage = async ({ data }) => {
  try {
    engine ??= import(data.glue).then(async (module) => {
      // The wasm's name carries a content hash the glue does not know: the page passes it.
      await module.default({ module_or_path: data.wasm });
      return module;
    });
    const module = await engine;
    self.postMessage({ id: data.id, report: module.analyze_json(data.project, data.options) });
  } catch (error) {
    // A trap leaves the instance unusable: start afresh on the next request.
    engine = null;
    self.postMessage({ id: data.id, error: String(error?.message ?? error) });
  }
};
