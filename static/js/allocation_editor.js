// Live totals for the allocation editor. The server recomputes and checks everything on save;
// this only spares the officer a round trip. Amounts are typed in triệu đồng, Vietnamese notation.
(function () {
  "use strict";
  const form = document.getElementById("allocation-editor");
  if (!form) return;
  const ceiling = form.dataset.ceiling === "" ? null : Number(form.dataset.ceiling);
  const labels = { allocated: form.dataset.labelAllocated, unallocated: form.dataset.labelUnallocated, over: form.dataset.labelOver };

  // "1.234,5" → 1234500000 đồng; null when empty or not a valid amount.
  function parseMillion(text) {
    const value = text.replace(/\s/g, "");
    if (value === "") return null;
    if (!/^(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$/.test(value)) return NaN;
    const [whole, fraction = ""] = value.replace(/\./g, "").split(",");
    const micro = (fraction + "000000").slice(0, 6);
    return Number(whole) * 1000000 + Number(micro);
  }
  function formatMillion(dong) {
    const sign = dong < 0 ? "-" : "";
    const abs = Math.abs(dong);
    const whole = Math.floor(abs / 1000000).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    const rest = (abs % 1000000).toString().padStart(6, "0").replace(/0+$/, "");
    return sign + whole + (rest ? "," + rest : "");
  }
  function update() {
    let total = 0;
    form.querySelectorAll("tbody.editor-line").forEach(function (line) {
      const lineInput = line.querySelector("input[name^='line_']");
      const amount = lineInput ? parseMillion(lineInput.value) : 0;
      let allocated = 0;
      line.querySelectorAll("input[name^='alloc_'], input[name^='add_amount_']").forEach(function (input) {
        const removed = input.closest("tr").querySelector("input[name^='remove_']");
        if (removed && removed.checked) return;
        const value = parseMillion(input.value);
        if (value) allocated += value;
      });
      total += amount || 0;
      const sum = line.querySelector(".line-sum");
      if (sum && amount !== null && !Number.isNaN(amount)) {
        const rest = amount - allocated;
        sum.textContent = labels.allocated + " " + formatMillion(allocated) + " · " +
          (rest < 0 ? labels.over + " " + formatMillion(-rest) : labels.unallocated + " " + formatMillion(rest));
        sum.classList.toggle("problem-text", rest < 0);
      }
    });
    const totalCell = form.querySelector("[data-testid='editor-total']");
    if (totalCell) totalCell.textContent = formatMillion(total);
    const remainingCell = form.querySelector("[data-testid='editor-remaining']");
    if (remainingCell && ceiling !== null) {
      remainingCell.textContent = formatMillion(ceiling - total);
      remainingCell.classList.toggle("problem-text", ceiling - total < 0);
    }
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
