// Accessible names and full labels for the explorer's controls (scoring.widgets.ControlLabels).
// ipywidgets draws a RadioButtons' description as a <label> beside its radio box, tied to
// nothing: the group gets role="radiogroup" named by that label. The page's widgets are
// drawn after this one and redrawn on change, so a MutationObserver keeps them named.
let counter = 0;

function nameRadioGroups(root) {
  root.querySelectorAll(".widget-radio").forEach((radio) => {
    const box = radio.querySelector(".widget-radio-box");
    const label = Array.from(radio.children).find((child) => child.classList.contains("widget-label"));
    if (!box || !label || box.getAttribute("role") === "radiogroup") return;
    if (!label.id) label.id = `zaro-radio-label-${++counter}`;
    box.setAttribute("role", "radiogroup");
    box.setAttribute("aria-labelledby", label.id);
  });
}

function render({ el }) {
  el.classList.add("zaro-control-labels");
  const root = document.body;
  nameRadioGroups(root);
  const observer = new MutationObserver(() => nameRadioGroups(root));
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}
export default { render };
