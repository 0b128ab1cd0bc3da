// A labelled range slider for zaro's number fields (scoring.widgets.NumberSlider).
// <label for> + <input type="range"> + <output>: named for screen readers, reachable with
// Tab, moved with the arrow keys, and the value is spoken with its unit.
function render({ model, el }) {
  const id = "zaro-slider-" + Math.random().toString(36).slice(2);
  const row = document.createElement("div");
  row.className = "zaro-slider";
  const label = document.createElement("label");
  label.htmlFor = id;
  const input = document.createElement("input");
  input.type = "range";
  input.id = id;
  const output = document.createElement("output");
  output.htmlFor = id;
  row.append(label, input, output);
  el.append(row);

  const decimals = () => (Number.isInteger(model.get("step")) ? 0 : 1);
  const spoken = (value) => {
    const unit = model.get("unit");
    return value.toFixed(decimals()) + (unit ? " " + unit : "");
  };
  const show = (value) => {
    output.textContent = spoken(value);
    input.setAttribute("aria-valuetext", spoken(value));
  };
  const sync = () => {
    label.textContent = model.get("description");
    input.title = row.title = model.get("tooltip") || "";
    input.min = model.get("min");
    input.max = model.get("max");
    input.step = model.get("step");
    input.value = model.get("value");
    show(model.get("value"));
  };
  // The readout follows the thumb at once; the kernel hears only the final value
  // (like ipywidgets' continuous_update=False), so one move costs one assessment.
  input.addEventListener("input", () => show(input.valueAsNumber));
  input.addEventListener("change", () => {
    model.set("value", input.valueAsNumber);
    model.save_changes();
  });
  model.on("change", sync);
  sync();
  return () => model.off("change", sync);
}
export default { render };
