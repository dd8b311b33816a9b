// Text contrast measured in headless Chromium from the computed colours (translucent grounds and opacities composited), for the dashboard tests.
import type { Page } from 'playwright-core';

/**
 * Every visible text under `root` (a selector) whose contrast is under `min` (WCAG AA: 4.5:1 for small text), as
 * "text [classes of its element] (ratio)". Disabled buttons are exempt (WCAG); SVG text is measured by its fill.
 */
export function lowContrast(page: Page, root: string, min = 4.5): Promise<string[]> {
  return page.evaluate(
    ({ root, min }) => {
      const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number).concat([1]).slice(0, 4);
      const over = (top: number[], under: number[], a = top[3]!): number[] => [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat([1]);
      const lum = (c: number[]): number => {
        const [r, g, b] = c.slice(0, 3).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const pageBg = parse(getComputedStyle(document.body).backgroundColor);
      const bad: string[] = [];
      for (const e of Array.from(document.querySelectorAll<Element>(`${root}, ${root} *`))) {
        const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim() !== '');
        if (!own || e.closest('[hidden], button:disabled') || e.getClientRects().length === 0) continue;
        const inSvg = e.closest('svg') !== null;
        const chain: Element[] = [];
        for (let a: Element | null = e; a; a = a.parentElement) chain.unshift(a);
        let ground = pageBg;
        let opacity = 1;
        for (const a of chain) {
          const st = getComputedStyle(a);
          // An SVG's shapes are not its text's ground; its figure's background is.
          if (!(inSvg && a !== e && a.closest('svg'))) ground = over(parse(st.backgroundColor), ground);
          opacity *= Number(st.opacity);
        }
        const st = getComputedStyle(e);
        const fg = over(parse(inSvg ? st.fill : st.color), ground);
        const [f, b] = [over(fg, pageBg, opacity), over(ground, pageBg, opacity)].map(lum);
        const ratio = (Math.max(f!, b!) + 0.05) / (Math.min(f!, b!) + 0.05);
        if (ratio < min) bad.push(`${e.textContent!.trim().slice(0, 40)} [${e.getAttribute('class') ?? e.tagName.toLowerCase()}] (${ratio.toFixed(2)})`);
      }
      return bad;
    },
    { root, min },
  );
}
