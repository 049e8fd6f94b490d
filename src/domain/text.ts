/**
 * Text from a request, safe to keep in a database row or show: each control character becomes U+FFFD.
 * No integration id holds one, and PostgreSQL cannot store a NUL in text at all.
 */
export const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
