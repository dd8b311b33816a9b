// `env: { TOKEN: ${TOKEN} }` (a docker-compose habit) is passed as written: the service got the text "${TOKEN}" in
// place of the token it would have inherited, and validate said "valid". Said as a warning (the value stays as written).
import type { ClawbackConfig } from './schema.js';

// `${NAME}` and the shell/compose forms with a default or an error (`${NAME:-x}`, `${NAME-x}`, `${NAME:?why}`,
// `${NAME:+x}`): `${DB_URL:-postgres://localhost/db}` was passed as written with no warning. The default is never named.
// A compose-style escape (`$${NAME}`, compose's literal `${NAME}`) is captured by its extra `$`: nothing in the config is
// expanded or unescaped, so it reaches the service with both dollars, and was warned about as if `${NAME}` were unset.
const PLACEHOLDER = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+=][^}]*)?\}/g;

/** One line per env value holding `${NAME}`: only the placeholders are named, never the rest of a value (a secret). */
export function envPlaceholderWarnings(declared: ClawbackConfig): string[] {
  const warnings: string[] = [];
  declared.services.forEach((s, i) => {
    for (const [key, value] of Object.entries(s.env)) {
      const found = [...value.matchAll(PLACEHOLDER)];
      const names = [...new Set(found.filter((m) => m[1] === '').map((m) => m[2]!))];
      const escaped = [...new Set(found.filter((m) => m[1] === '$').map((m) => m[2]!))];
      if (escaped.length > 0) {
        warnings.push(
          `services[${i}].env.${key}: ${escaped.map((n) => `$\${${n}}`).join(', ')} is passed to the service as written, both dollars kept (nothing in the config is expanded, so there is no $$ escape); expected ${escaped.map((n) => `\${${n}}`).join(', ')} for that text, or the value itself`,
        );
      }
      if (names.length === 0) continue;
      const inherited = s.inheritEnv && names.includes(key) ? `; without this line the service inherits the daemon's ${key} (inheritEnv), which it now replaces` : '';
      warnings.push(
        `services[${i}].env.${key}: ${names.map((n) => `\${${n}}`).join(', ')} is passed to the service as written (environment variables are not expanded in the config)${inherited}; expected the value itself${inherited ? ', or no such line' : ''}`,
      );
    }
  });
  return warnings;
}
