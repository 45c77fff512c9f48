// Live totals for the allocation editor. The server recomputes and checks everything on save;
// this only spares the officer a round trip. Amounts are typed in triệu đồng, Vietnamese notation.
// Every amount box says what it is (data-role: line, alloc, add-source) and from which source (data-source):
// rule 2 holds per source, so a line's allocations are totalled per source against what the line draws on it.
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
  function checked(line, role, key) {
    const found = new Set();
    line.querySelectorAll("input[data-role='" + role + "']").forEach(function (box) {
      if (box.checked) found.add(box.dataset[key]);
    });
    return found;
  }
  function add(totals, source, amount) {
    totals[source] = (totals[source] || 0) + amount;
  }
  function update() {
    let total = 0;
    const bySource = {};
    form.querySelectorAll("tbody.editor-line").forEach(function (line) {
      const dropped = checked(line, "drop-source", "source");
      const removed = checked(line, "remove-unit", "unit");
      const allocated = {};
      line.querySelectorAll("input[data-role='alloc']").forEach(function (input) {
        if (input.dataset.unit && removed.has(input.dataset.unit)) return;
        const value = parseMillion(input.value);
        if (value) add(allocated, input.dataset.source, value);
      });
      line.querySelectorAll("input[data-role='line']").forEach(function (input) {
        const source = input.dataset.source;
        const sum = line.querySelector(".line-sum[data-sum-source='" + source + "']");
        if (dropped.has(source)) {
          if (sum) sum.textContent = "";
          return;
        }
        const amount = parseMillion(input.value);
        if (amount && !Number.isNaN(amount)) {
          total += amount;
          add(bySource, source, amount);
        }
        if (sum && amount !== null && !Number.isNaN(amount)) {
          const rest = amount - (allocated[source] || 0);
          sum.textContent = labels.allocated + " " + formatMillion(allocated[source] || 0) + " · " +
            (rest < 0 ? labels.over + " " + formatMillion(-rest) : labels.unallocated + " " + formatMillion(rest));
          sum.classList.toggle("problem-text", rest < 0);
        }
      });
      const choice = line.querySelector("select[data-role='add-source-choice']");
      const added = line.querySelector("input[data-role='add-source']");
      if (choice && choice.value && added) {
        const value = parseMillion(added.value);
        if (value) {
          total += value;
          add(bySource, choice.value, value);
        }
      }
    });
    const totalCell = form.querySelector("[data-testid='editor-total']");
    if (totalCell) totalCell.textContent = formatMillion(total);
    const remainingCell = form.querySelector("[data-testid='editor-remaining']");
    if (remainingCell && ceiling !== null) {
      remainingCell.textContent = formatMillion(ceiling - total);
      remainingCell.classList.toggle("problem-text", ceiling - total < 0);
    }
    form.querySelectorAll("[data-total-source]").forEach(function (cell) {
      cell.textContent = formatMillion(bySource[cell.dataset.totalSource] || 0);
    });
    form.querySelectorAll("[data-remaining-source]").forEach(function (cell) {
      const rest = Number(cell.dataset.ceiling) - (bySource[cell.dataset.remainingSource] || 0);
      cell.textContent = formatMillion(rest);
      cell.classList.toggle("problem-text", rest < 0);
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
