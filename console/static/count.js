// The compose page's live count: when the segment or its values change, ask the count
// endpoint and show its answer. Without this script the "Count recipients" button does it.
document.addEventListener("change", (event) => {
  const fieldset = event.target.closest("[data-segment]");
  const output = document.getElementById("count");
  if (!fieldset || !output) return;
  const query = new URLSearchParams();
  for (const input of fieldset.querySelectorAll("input:checked")) query.append(input.name, input.value);
  fetch(`${output.dataset.url}?${query}`, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : { text: "" }))
    .then((answer) => { output.textContent = answer.text; });
});
