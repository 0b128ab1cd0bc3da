// A status message that screen readers announce when it changes (scoring.widgets.LiveRegion).
// The aria-live element is created once and only its text is replaced: a live region that
// is itself replaced (as an ipywidgets HTML widget's content is) may never be announced.
function render({ model, el }) {
  const region = document.createElement("div");
  region.className = "zaro-live-region";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  el.append(region);
  const sync = () => {
    region.textContent = model.get("text");
  };
  model.on("change:text", sync);
  sync();
  return () => model.off("change:text", sync);
}
export default { render };
