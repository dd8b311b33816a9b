// The indefinite article of a word in a sentence ("an agent run", "a doctor run"): a text helper with no imports, so the
// daemon's runtime can use it without loading the drill's target module (config loader, presets, server).

/** "a doctor", "an agent". */
export function article(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
