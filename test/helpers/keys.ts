import { randomBytes } from 'node:crypto';

export const newKey = (): Buffer => randomBytes(32);
export const newKeyText = (): string => newKey().toString('base64');
