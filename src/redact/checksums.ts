/**
 * Check digits and shape tests that turn "looks like a card number" into "is one", so ordinary
 * long numbers, ids and counters survive redaction.
 */

/** The Luhn (mod 10) check every payment card number passes; `digits` holds digits only. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 mod-97 check of an IBAN written without spaces, upper case. */
export function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  // Folded digit by digit so the number never leaves the safe integer range.
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/**
 * Whether a bearer/basic credential looks machine-made rather than a word of prose ("Bearer
 * authentication"): it has a digit, a base64 symbol, or upper case past its first letter.
 */
export function looksLikeToken(token: string): boolean {
  return /[\d+/=]/.test(token) || /[A-Z]/.test(token.slice(1));
}
