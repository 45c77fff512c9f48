// The echo under every amount box (lai_chau.fields.AmountInput): what the typed text is read as, in full đồng,
// updated as the user types. The server writes the same echo when it renders the page, so this only keeps it
// current. parseAmount is lai_chau/money.py parse_amount, rule for rule: change both together.
(function () {
  "use strict";
  const MAX_AMOUNT = 10n ** 15n;
  const MAX_INPUT_LENGTH = 64;
  // Python's \s on str, exactly (JavaScript's \s differs: it has U+FEFF and lacks U+001C–U+001F and U+0085).
  const SPACES = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;
  const CURRENCY_SUFFIX = /(?:đồng|đ|₫|vnđ|vnd)$/i;
  const MILLION_SUFFIX = /triệu$/i;
  const AMOUNT = /^([0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)(?:,([0-9]+))?$/;

  // Return {amount: BigInt} in whole đồng, or {code} as parse_amount's ValidationError code.
  function parseAmount(text, unit) {
    let value = String(text).replace(SPACES, "").replace(CURRENCY_SUFFIX, "");
    if (unit === 1000000n) value = value.replace(MILLION_SUFFIX, "");
    if (value === "") return { code: "required" };
    if (value.startsWith("-")) return { code: "negative" };
    if ([...value].length > MAX_INPUT_LENGTH) return { code: "malformed" };
    const match = AMOUNT.exec(value);
    if (!match) return { code: "malformed" };
    const fraction = match[2] || "";
    const scaled = BigInt(match[1].replace(/\./g, "") + fraction) * unit;
    const divisor = 10n ** BigInt(fraction.length);
    if (scaled % divisor !== 0n) return { code: "fractional" };
    const amount = scaled / divisor;
    if (amount > MAX_AMOUNT) return { code: "too_large" };
    return { amount: amount };
  }

  function groupDigits(amount) {
    return amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  // The echo's data-hint-* attributes hold each refusal's short hint, translated by the server.
  const HINTS = {
    malformed: "hintMalformed",
    negative: "hintNegative",
    fractional: "hintFractional",
    too_large: "hintTooLarge",
  };

  function echoOf(input) {
    const field = input.closest(".amount-field");
    return field ? field.querySelector(".amount-echo") : null;
  }

  // The unit: the box's own, or the one a control of the form says (AmountFormField.unit_follows).
  function unitOf(input) {
    const from = input.dataset.amountUnitFrom;
    const control = from && input.form ? input.form.elements.namedItem(from) : null;
    if (control) {
      const units = JSON.parse(input.dataset.amountUnits || "{}");
      if (Object.prototype.hasOwnProperty.call(units, control.value)) return BigInt(units[control.value]);
    }
    return BigInt(input.dataset.amountUnit || "1");
  }

  function update(input) {
    const echo = echoOf(input);
    if (!echo) return;
    const result = parseAmount(input.value, unitOf(input));
    let text = "";
    if (result.amount !== undefined) text = "= " + groupDigits(result.amount) + " đồng";
    else if (result.code !== "required") text = echo.dataset[HINTS[result.code]] || echo.dataset.hintMalformed;
    if (echo.textContent !== text) echo.textContent = text;
  }

  // A row the admin adds to an inline is a copy of its "__prefix__" template: the admin renumbers ids, not
  // aria-describedby, so the box is linked again to its echo's new id.
  function relink(root) {
    root.querySelectorAll("input[data-amount-unit]").forEach(function (input) {
      const echo = echoOf(input);
      if (!echo || !echo.id) return;
      const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && !id.endsWith("_echo");
      });
      input.setAttribute("aria-describedby", ids.concat([echo.id]).join(" "));
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-amount-unit]")) update(event.target);
  });
  document.addEventListener("change", function (event) {
    const form = event.target.form;
    if (!form || !event.target.name) return;
    form.querySelectorAll("input[data-amount-unit-from]").forEach(function (input) {
      if (input.dataset.amountUnitFrom === event.target.name) update(input);
    });
  });
  document.addEventListener("formset:added", function (event) {
    relink(event.target);
  });
})();
