// Secrets must never reach logs, alerts or AI prompts: one redactor, fed with known secret values.
import { setOwn } from './own-key.js';
import { endsInKeyWord, isSecretKey, mentionsSecret, wordsOf } from './secret-keys.js';
import { looksLikeCredential } from './credential-value.js';
import { continueStructure, redactInlineStructures, structureLeftOpen, type KeyKind, type OpenStructure } from './redact-inline-structure.js';
import { isPlainKey, keepsNumbers, keyOpeningAtEnd, opensNestedValue, redactNestedLine, sparingNumbers } from './redact-nested.js';

/**
 * `pass` as a key of its own or a key's last word (`pass=`, `DB_PASS=`, openssl's `-passin pass:X`, camelCase `dbPass`),
 * not inside another word (`bypass=`, `compass:`): it was no secret word, and `pass=hunter2` was shown whole. The case of
 * the `P` tells `dbPass` from `bypass`, which a case-blind pattern cannot: passInsideWord drops such a match.
 */
const PASS_WORD = 'pass';
/**
 * `pwd` (`DB_PWD=`, a connection string's `Pwd=`), except the shell's working directory: a key that is only `PWD` or
 * `OLDPWD` with a path for value (`PWD=/home/bob` in an env dump read `PWD=[REDACTED]`; a directory is no secret).
 */
const PWD_WORD = "pwd(?!(?<=(?<![A-Za-z0-9_.-])(?:old)?pwd)[\"']?[ \\t]*[:=][ \\t]*[\"']?[/~])";
/** Words of a key (in a log line, a header, a JSON text) whose value is a secret. */
/**
 * A key named by two words ending in `key` (secret-keys.ts's pairs), maybe with a last word that still names the key's
 * value (`SECRET_KEY_BASE`, `PRIVATE_KEY_ID`): the pattern wanted `:`/`=` right after a secret word, and `SECRET_KEY=`,
 * `signing_key=`, `SECRET_KEY_BASE=` were shown whole. A key's file or path (`PRIVATE_KEY_FILE=/etc/x.pem`) is no secret.
 */
const KEY_PAIR_WORDS = '(?:api|private|access|secret|signing|encryption|subscription|functions|master|account|auth)[_-]?key(?:[_-]?(?:base|id))?';
const SECRET_KEY_WORDS = KEY_PAIR_WORDS + '|apikey|token|secret|passphrase|password|passwd|' + PWD_WORD + '|' + PASS_WORD + '|auth|authorization|client[_-]?secret|webhook[_-]?url';

/**
 * Words that open a config error's message (`expected ...`, `must ...`) or name an auth scheme: after `token: ` in
 * unquoted text they are prose, not a value. Taken as one, "expected" was replaced and the error no longer said what was
 * expected. A secret that is one of these words is still removed when it is known (a config or environment value).
 */
// `null`/`undefined`: no value is set (`token: null` read `token: [REDACTED]`, as if one were).
const MESSAGE_WORDS = '(?:expected|required|invalid|must|missing|unknown|cannot|should|received|unrecognized|duplicate|contains|bearer|basic|null|undefined)';

/**
 * Not at an Authorization header's scheme (`Authorization: Negotiate <token>`, `"authorization":"Digest ..."`): the
 * scheme is not the secret, and redactAuthorization has already taken what follows it. The key patterns below took the
 * scheme as the value (`Authorization: [REDACTED] [REDACTED]`), or the whole quoted value with it. Nor at a known scheme
 * under any secret key (`AUTH=Token abc123`): the scheme was taken and its credential left to no pattern.
 */
const NOT_AN_AUTH_SCHEME = `(?!(?<=authorization(?:\\\\*["'])?[ \\t]*[:=][ \\t]*(?:\\\\*["'])?)[A-Za-z][A-Za-z0-9-]*[ \\t]+\\S|(?:bearer|basic|token|digest|negotiate|ntlm)[ \\t]+\\S)`;

/** Authorization schemes: after one, under a secret key or `authorization:`, the next word is the credential at any length. */
const AUTH_SCHEMES = '(?:bearer|basic|token|digest|negotiate|ntlm)';

/** Keys under which even a short value is the secret: a password can be three characters, a token cannot. */
const SHORT_SECRET_KEY_WORDS = 'password|passwd|' + PWD_WORD + '|passphrase|secret|' + PASS_WORD;
/** A count or a verdict under the bare word `pass` (a test run's `pass: 12 fail: 0`, a check's `pass: ok`): not a password. */
const NOT_A_PASS_COUNT = '(?!(?<=(?<![A-Za-z0-9_.-])pass[ \\t]*[:=][ \\t]*)(?:\\d+|true|false|ok|done|failed|skipped)(?=[\\s,;)]|$))';
/** A flag's value (also FLAG_VALUE below): a setting, never a credential. */
const FLAG_WORDS = '(?:no|on|off|yes)';

/**
 * A shell or compose variable where a value goes (`token: ${API_TOKEN}`), a bare name (no `:-default`, which may hold a
 * literal): no secret, it says where one comes from. Taken as the value, it read `token: [REDACTED]}`.
 */
const ENV_REFERENCE = '(?!\\$\\{[A-Za-z_][A-Za-z0-9_]{0,63}\\}(?![^\\s,;)\\]}"\']))';

/**
 * A password given to a short flag of a command that takes it so (`mysql -phunter2`, `mysql -p hunter2`,
 * `sshpass -p X`, `redis-cli -a X`): `-p` is no secret word, and the line was shown whole. Case-sensitive: `-P` is a port.
 * Tried only where a command's word has such a flag within reach (commandPasswords): run over the whole text, each
 * `mysql` scanned its 1024 characters for a `-p` that was not there (2 MB of `mysql `: 1.4 s of CPU).
 */
const COMMAND_PASSWORD = /(\b(?:mysql[a-z]*|mariadb[a-z-]*)\b[^\n|;&]{0,1024}?[ \t]-p[ \t]?|\bsshpass\b[^\n|;&]{0,1024}?[ \t]-p[ \t]?|\bredis-cli\b[^\n|;&]{0,1024}?[ \t]-a[ \t]+)([^\s"'-][^\s"']*)/g;

const PATTERNS: RegExp[] = [
  // Authorization headers and bearer tokens.
  // (Spaces only: a credential on the next line is crossLineRedaction's, which keeps the line count.)
  // Not the next `name=value` field (`TOKEN_TYPE=bearer expires_in=3600`): it was taken as the credential and lost.
  // A base64 credential's padding (`dXM6cA==`, `...x=`) ends the word, so it is no field.
  /\b(Bearer|Basic)[ \t]+(?![A-Za-z][A-Za-z0-9_-]*[ \t]*=[^\s=])[A-Za-z0-9._~+/=-]{8,}/gi,
  // Any other scheme in an Authorization header (`Token ...`, `Negotiate ...`, `Digest k=v, ...`): redactAuthorization.
  // A credential of any length after a scheme under a secret key or `authorization:` (`AUTH=Bearer abc123`,
  // `authorization: bearer abc`): the patterns for a bare scheme and a header want 8 or more, and a short one was shown.
  // Not a message's word (`auth: token required`), nor Digest's auth-params (`username="u"`: redactAuthorization's).
  new RegExp(`((?:${SECRET_KEY_WORDS})(?:\\\\*["'])?[ \\t]*[:=][ \\t]*(?:\\\\*["'])?${AUTH_SCHEMES}[ \\t]+)(?!${MESSAGE_WORDS}(?=[\\s,;.)]|$))(?![A-Za-z][A-Za-z0-9_-]*[ \\t]*=)([^\\s"',;}\\\\]+)`, 'gi'),
  // A quoted value under a key that names a secret, to its closing quote (spaces and all), whether the quotes are
  // plain or escaped by one or more backslashes (JSON inside a JSON log line: `{\"apiKey\":\"...\"}`). A quote with one
  // more backslash before it is inside the value (`"se\"cret"`, `\"se\\\"cret\"`): taken as the end, it showed the rest.
  // A value of 3 characters or less holding a space (`{"dbPass": "x y"}`, `token="a b"`) is taken too: no status word has
  // a space, and one was shown whole.
  new RegExp(`((?:${SECRET_KEY_WORDS})(?:\\\\*["'])?[ \\t]*[:=][ \\t]*(\\\\*)(["']))${NOT_AN_AUTH_SCHEME}((?:(?!(?<!\\\\)\\2\\3)[^\\n]){4,}?|(?=[^"'\\\\\\n]{0,2}[ \\t])(?=[^"'\\\\\\n]{0,2}[^\\s"'\\\\])[^"'\\\\\\n]{1,3})(?=(?<!\\\\)\\2\\3)`, 'gi'),
  // key=value / "key": "value" pairs whose key names a secret; not a message's word after a field path
  // (`notify.channels[0].botToken: expected string`), nor an auth scheme whose credential the first patterns take.
  // Not a URL query's parameter (`?access_token=X&page=2`): the query pattern takes its value to the `&`; this one took
  // `&page=2` with it. The value ends at a `;` or `&` that opens the next field (`Password=p;Database=x`, a form body
  // `password=p&page=2`): the fields after it were lost, and a short value before one (`p`) was not taken at all.
  // The look-behind is bounded (64): unbounded, it scanned back to the line's start at every position, and one 64 KiB line
  // of letters (a base64 blob, minified JSON) took seconds of CPU (quadratic); every scan below is bounded for that too.
  // Nor does it end at a closing bracket (`(password=abc)`): the `)` was taken with the value and lost (and a value
  // already redacted is left as it is: `[REDACTED]` would lose its `]` to that rule, then gain one).
  // The value's first character is checked before the look-behinds (here and in the next pattern): after `password:` and
  // a run of spaces, each space the `\s*` gave back re-ran them over the whole run (32 KiB of spaces: 5 s, quadratic).
  // Nor a mapping or list (`token: {count: 3}`, `"secret": ["a"]`): redactInlineStructures took its values, keys kept.
  // A hash's scheme glued to it (`password={SSHA}abcdef`, Spring's `{noop}hunter2`, `{bcrypt}$2a$...`) is the value
  // whole: the value stopped at the `}` and the hash or password after it was shown.
  new RegExp(`(?=(?:${SECRET_KEY_WORDS})(?:\\\\*["'])?[ \\t]*[:=])(?<![?&][a-z0-9_.-]{0,64})((?:${SECRET_KEY_WORDS})(?:\\\\*["'])?[ \\t]*[:=][ \\t]*["']?)(?!${MESSAGE_WORDS}(?=[\\s,;.)]|$))(?!\\[REDACTED\\])(?![{[][ \\t]*(?:[{["'[\\]}]|[^\\s,:{}[\\]"']{1,64}:[ \\t]))(?=[^"'\\s,}])${ENV_REFERENCE}${NOT_AN_AUTH_SCHEME}${NOT_A_PASS_COUNT}(\\{[^\\s{}[\\]"',:;]{1,32}\\}(?:[^"'\\s,}]*[^"'\\s,})\\]])?|[^"'\\s,};&]+(?=[;&][ \\t]*[A-Za-z][A-Za-z0-9 _.-]{0,40}=)|[^"'\\s,}]{3,}[^"'\\s,})\\]])`, 'gi'),
  // A short value (1 to 3 characters) under a key that names a password or a secret (`PGPASSWORD=abc`,
  // `"clientSecret": "shh"`): the patterns above want 4 or more (under `token` or `auth` a short word is a status,
  // `auth: ok`), and a short password was shown whole. A flag (`secret: no`) stays, and so does a YAML block scalar's
  // header (`password: |`, `secret: >-2 # note`): its value is on the lines below (crossLineRedaction's), and the header
  // read `password: [REDACTED]`, the `|` that says so lost.
  // Nor a bracket (`secret: {a: b}`, `"password": {}`, `secret: []`): redactInlineStructures took the structure's values,
  // and `{a:` taken as the password lost the bracket and the key (`secret: [REDACTED] [REDACTED]}`), or an empty value
  // read as one set (`secret: [REDACTED]`).
  new RegExp(`((?:${SHORT_SECRET_KEY_WORDS})(?:\\\\*["'])?[ \\t]*[:=][ \\t]*(\\\\*)(["']?))(?!${FLAG_WORDS}(?=\\2\\3(?:[^A-Za-z0-9]|$)))(?!(?<=:[ \\t]*)[|>][1-9+-]{0,2}(?:[ \\t]|\\r?(?:\\n|$)))(?=[^"'\\s,};&\\\\{[])${NOT_A_PASS_COUNT}([^"'\\s,};&\\\\]{1,3})(?=\\2\\3(?:[\\s,;}&)\\]]|$))`, 'gi'),
  // Well-known token shapes.
  // A JSON Web Token: redactJwts, after these.
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id (long-lived or temporary)
  // GitLab tokens: personal/project/group (glpat-), OAuth app secret, deploy, runner, CI job, pipeline trigger,
  // feed, incoming-mail, agent, SCIM, feature-flag client tokens.
  /\bgl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_-]{20,}/g,
  /\bxapp-\d-[A-Za-z0-9-]{10,}/g, // Slack app-level token
  /\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9-]{10,}/g, // Slack refresh / rotating token
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm access token
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face token
  /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe secret / restricted key
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, // SendGrid API key
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google API key
  // Telegram bot token: the bot id, a colon, the secret (34-35 characters today; any length from 30 is taken).
  // Also right after `bot` in a URL path with no host (`POST /bot123456789:AAH.../sendMessage`): no word boundary there.
  /(?:\b|(?<=\bbot))\d{5,12}:[A-Za-z0-9_-]{30,}/g,
  // Webhook URLs carry their secret in the path (any API version, canary/ptb hosts). The host is looked for within 256
  // characters of `http://`: unbounded, every `http://` in a long line scanned to its end (64 KiB: seconds, quadratic).
  /https?:\/\/[^\s"']{0,256}?(?:discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks|hooks\.slack\.com\/(?:services|workflows|triggers)|api\.telegram\.org\/(?:file\/)?bot)[^\s"']*/gi,
  // A password in a URL's user info (scheme://user:password@host), the user name maybe empty (`redis://:password@host`,
  // Redis's own form) and the password maybe holding a bare @ (the last @ before the path ends the user info, as in URL).
  /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"']*:)([^\s/"']+)(?=@(?![^\s/"']*@))/gi,
  // The same with spaces in the password (`https://user:p%40ss word@host`): the space ended the match and it was shown
  // whole. Bounded (128) and not a port before a space (`http://host:8080 then mail me@x` is no password).
  /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"']{0,128}:)(?!\d{1,5}[,;.)\]]?\s)([^\s/"'@][^\t\r\n/"'@]{0,126} [^\t\r\n/"'@]{0,126}?[^\s/"'@])(?=@[A-Za-z0-9[])/gi,
  // A URL query parameter whose name ends in a credential word (`?sig=`, `&X-Amz-Signature=`, `?session=`, `?key=`).
  /([?&][a-z0-9_.-]*?(?:sig|signature|session|sessionid|sid|credential|code|key|token|auth|authorization|secret|password|passwd|pwd|pass)=)([^&#\s"']{4,})/gi,
  // The same parameter percent-encoded inside another value (`?next=%2Fa%3Fx%3D1%26password%3Dhunter2`, twice encoded
  // `%253D` too): no `?`, `&` or `=` of its own, so it was shown whole. The value ends at the encoded `&`.
  /((?:%(?:25)?(?:3F|26))[a-z0-9_.-]*?(?:sig|signature|session|sessionid|sid|credential|code|key|token|auth|authorization|secret|password|passwd|pwd|pass|passphrase)%(?:25)?3D)((?:(?!%(?:25)?26)[^&#\s"'])+)/gi,
  // A short one under a password or secret word (`&password=p&page=2`): too short for the pattern above, shown whole.
  /([?&][a-z0-9_.-]*?(?:token|secret|password|passwd|pwd)=)([^&#\s"']{1,3})(?=[&#\s"']|$)/gi,
  // A password given to a short flag of a command (`mysql -phunter2`, `sshpass -p X`, `redis-cli -a X`): COMMAND_PASSWORD.
  COMMAND_PASSWORD,
  // A command-line flag naming a secret, followed by its value (`--token X`, `--api-key X`, `--db-pass X`; `pass` as the
  // flag's last word only: `--bypass X` is no secret).
  // A value that holds a redaction already (openssl's `-pass pass:[REDACTED]`) is left as it is.
  /(--?[a-z-]{0,64}(?:token|api-?key|secret|password|passwd|(?<![a-z])pass)\s+)(?![^\s"']*\[REDACTED\])([^\s"'-][^\s"']{3,})/gi,
];

export const REDACTED = '[REDACTED]';

/**
 * A secret word after a curl trace prefix and a space, no `:` (`* token <value>`, `> api-key <value>`): no key pattern
 * wants a key without `:`/`=`, and the credential was shown whole. Taken only when it looks like one (looksLikeCredential):
 * `* token expired` stays.
 */
const TRACE_SECRET = /^([*<>][ \t]+(?:token|api[_-]?key|secret|access[_-]?token)[ \t]+)([^\s"',;]+)/gim;

function redactTraceSecrets(text: string): string {
  return text.replace(TRACE_SECRET, (m, head: string, value: string) => (looksLikeCredential(value) ? head + REDACTED : m));
}

/** What a match of PATTERNS becomes: its key kept (group 1) and its value redacted, or the whole match. */
function patternReplacement(match: string, p1: unknown, ...rest: unknown[]): string {
  if (passInsideWord(rest[rest.length - 1] as string, rest[rest.length - 2] as number, match)) return match;
  if (typeof p1 === 'string' && match.startsWith(p1) && p1.length < match.length && (/[:=]/.test(p1) || /\s$/.test(p1) || /\s-[a-z]$/.test(p1) || /%(?:25)?3D$/i.test(p1))) {
    return p1 + REDACTED;
  }
  if (typeof p1 === 'string' && /^(Bearer|Basic)$/i.test(p1)) return `${p1} ${REDACTED}`;
  return REDACTED;
}

/** Where COMMAND_PASSWORD may start: a command's word (a superset: `mysqlx`, `sshpassx` are tried and fail at once). */
const COMMAND_WORD = /\b(?:mysql|mariadb|sshpass|redis-cli)/g;
/** A `-p` (`-a` for redis-cli) flag with a value after it, as COMMAND_PASSWORD takes it: where its `[ \t]` is. */
const P_FLAG = /[ \t]-p[ \t]?[^\s"'-]/g;
const A_FLAG = /[ \t]-a[ \t]+[^\s"'-]/g;
/** What ends a command (COMMAND_PASSWORD's `[^\n|;&]`), and a command word's letters (its longest reading). */
const COMMAND_END = /[\n|;&]/g;
const COMMAND_WORD_TAIL = /[a-z-]*/y;
const COMMAND_PASSWORD_AT = new RegExp(COMMAND_PASSWORD.source, 'y');

/** The first index at or after `from` where `re` (global) matches, or the text's length. */
function nextMatch(re: RegExp, text: string, from: number): number {
  re.lastIndex = from;
  return re.exec(text)?.index ?? text.length;
}

/**
 * COMMAND_PASSWORD's replace, the same matches, tried only at a command's word whose nearest flag with a value is within
 * its 1024 characters and before the command's end: every other start fails the pattern anyway, after a scan of up to
 * 1024 characters. The nearest flag, command end and word's end are found once for a run of starts: linear.
 */
function commandPasswords(text: string): string {
  if (!/mysql|mariadb|sshpass|redis-cli/.test(text)) return text;
  let out = '';
  let done = 0;
  let pFlag = -1;
  let aFlag = -1;
  let end = -1;
  let wordEnd = -1;
  COMMAND_WORD.lastIndex = 0;
  for (let m = COMMAND_WORD.exec(text); m; m = COMMAND_WORD.exec(text)) {
    const at = m.index;
    COMMAND_WORD.lastIndex = at + 1;
    if (at < done) continue;
    if (pFlag < at) pFlag = nextMatch(P_FLAG, text, at);
    if (aFlag < at) aFlag = nextMatch(A_FLAG, text, at);
    if (end < at) end = nextMatch(COMMAND_END, text, at);
    if (wordEnd < at) {
      COMMAND_WORD_TAIL.lastIndex = at;
      COMMAND_WORD_TAIL.exec(text);
      wordEnd = COMMAND_WORD_TAIL.lastIndex;
    }
    const flag = m[0] === 'redis-cli' ? aFlag : pFlag;
    if (flag >= text.length || flag > end || flag > wordEnd + 1024) continue;
    COMMAND_PASSWORD_AT.lastIndex = at;
    const found = COMMAND_PASSWORD_AT.exec(text);
    if (!found) continue;
    out += text.slice(done, at) + patternReplacement(found[0], found[1], found[2], at, text);
    done = at + found[0].length;
  }
  return done === 0 ? text : out + text.slice(done);
}

/**
 * A match that starts at `pass` inside a word that is not a camelCase key's last word (`bypass=`, `compass:`, `DBPASS=`):
 * not a secret key. `dbPass`, `smtpPass` (a lower-case letter or digit, then `P`) are: `{"dbPass":"x"}` was shown whole.
 */
function passInsideWord(text: string, at: number, match: string): boolean {
  if (at === 0 || !/^pass(?!word|wd|phrase)/i.test(match)) return false;
  const before = text[at - 1]!;
  return /[A-Za-z0-9]/.test(before) && !(match[0] === 'P' && /[a-z0-9]/.test(before));
}

/**
 * A key whose last word is `key` (`stripeKey=`, `OPENAI_KEY=`, `"slackWebhookKey": "`, `X-Stripe-Key: `) and its value:
 * redacted when the key is no secret pair already (endsInKeyWord) and the value looks like a credential
 * (`stripeKey=sk_live_...` and `OPENAI_KEY=<32 letters and digits>` were shown whole); OpenClaw's own `sessionKey=agent:main:x`,
 * `providerKey=openai`, `modelKey=anthropic/claude-x` stay. The key is bounded (64) and starts a word: linear.
 */
const KEY_WORD_VALUE = /(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]{0,63}?(?:[a-z0-9]Key|[_.-](?:key|Key|KEY))(?:\\*["'])?[ \t]*[:=][ \t]*(?:\\*["'])?)([^\s"',;}&\\)\]]+)/g;

function redactKeyWordValues(text: string): string {
  return text.replace(KEY_WORD_VALUE, (m, head: string, value: string) => {
    const key = /^[A-Za-z0-9_.-]+/.exec(head)![0];
    return endsInKeyWord(key) && looksLikeCredential(value) ? head + REDACTED : m;
  });
}

/** A `Cookie:` or `Set-Cookie:` header (or a `cookie` field): its value to the end of the line or the closing quote. */
// Spaces within one line only: across the line break, the next line's key was taken as the cookie (crossLineRedaction's).
const COOKIE_HEADER = /(\b(?:set-)?cookie["']?[ \t]*[:=][ \t]*["']?)([^\r\n"']+)/gi;
/** One `name=value` of a cookie header. */
const COOKIE_PAIR = /(^|;\s*)([^=;\s]+)=([^;]*)/g;
/** Set-Cookie attributes: settings, not credentials. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'priority', 'secure', 'httponly', 'partitioned']);

/**
 * A cookie with no name, one word between `;`s (`cookie=abcdef`, `Cookie: abcdef; lang=en`): a browser sends it as a value
 * too, and it was shown whole since only `name=value` pairs were looked for.
 */
const NAMELESS_COOKIE = /(^[ \t]*|;[ \t]*)([^=;\s]+)(?=[ \t]*(?:;|$))/g;
/** A nameless cookie's word that says there is none, or a Set-Cookie flag: no value. */
const NO_COOKIE = /^(?:null|none|undefined|true|false|yes|no|on|off|enabled|disabled|empty|missing|unset|-|\[REDACTED\])$/i;

/** Every cookie value in a Cookie / Set-Cookie header: a session id is a credential whatever the cookie is called. */
function redactCookies(text: string): string {
  return text.replace(COOKIE_HEADER, (_m, head: string, value: string) =>
    head +
    value
      .replace(COOKIE_PAIR, (pair, sep: string, name: string, v: string) => (COOKIE_ATTRIBUTES.has(name.toLowerCase()) || !v.trim() ? pair : `${sep}${name}=${REDACTED}`))
      .replace(NAMELESS_COOKIE, (m, sep: string, word: string) => (COOKIE_ATTRIBUTES.has(word.toLowerCase()) || NO_COOKIE.test(word) ? m : sep + REDACTED)),
  );
}

/**
 * The forms a known secret takes when a service prints it encoded: in a URL or a form body (percent-encoded, upper or
 * lower case hex, a space as `+`) and inside a JSON string (`\"`, `\\`, `/` as `\/`). The plain value alone missed them.
 */
function encodedForms(value: string): string[] {
  const url = encodeURIComponent(value);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  const json = JSON.stringify(value).slice(1, -1);
  const lowerHex = (s: string): string => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return [url, lowerHex(url), url.replace(/%20/g, '+'), form, lowerHex(form), json, json.replace(/\//g, '\\/')];
}

/** A private key block (PKCS#1/#8, EC, OpenSSH, PGP) on one line: its body up to its END, or to the end of the line. */
const KEY_BLOCK = /(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)(.*?)(-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;
const KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
/** A line inside a key block: base64, an armour header (`Proc-Type: ...`), blank, or already redacted. */
const KEY_BODY_LINE = /^\s*(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: .*|\[REDACTED\])?\s*$/;
/** A line that ends where its credential should follow (`Authorization: Bearer`, `Authorization:`): the next line holds it. */
// Tested on the line without its trailing spaces, and no two space runs side by side: `\s*["']?\s*$` split a long run of
// spaces after `Bearer` every way (32 KiB of them: seconds, quadratic).
const CREDENTIAL_NEXT = /(?:\b(?:Bearer|Basic)|\bauthorization["']?\s*[:=](?:\s*["']?[A-Za-z][A-Za-z0-9-]*)?)\s*["']?$/i;
const CREDENTIAL_START = /^(\s*["']?)[A-Za-z0-9._~+/=-]{16,}/;
/** The cheap test a text must pass before its lines are walked one by one. */
const MAY_SPAN_LINES = /-----(?:BEGIN|END)|Bearer|Basic|authorization|[:=][ \t]*(?:[{[][ \t]*)?\r?\n|:[ \t]*[|>]/i;
/** A key's `:`/`=` and an opening bracket: a text of several lines holding one is walked line by line. */
const OPENS_STRUCTURE = /[:=][ \t]*[{[]/;
/**
 * A line that ends at a key and its `:`/`=` (pretty-printed JSON's `"password":`, YAML's `password:`), its value on the
 * next line: the key, tested on the line's last 96 characters (bounded).
 */
const KEY_AT_END = /(?:^|[^A-Za-z0-9_.-])\\*["']?([A-Za-z][A-Za-z0-9_.-]{0,63})\\*["']?[ \t]*[:=]$/;
/**
 * The value at the start of the line after such a key: quoted, or one bare word that is not a nested key (`user:`), taken
 * whole (a look-ahead and its back-reference: no backtracking into it, `use` of `user:` is no value).
 */
const VALUE_START = /^(\s*)(?:(\\*["'])([^"'\\\n]*)\2(?![ \t]*:)|(?=([^\s"',{}[\]:]+))\4(?![ \t]*:))/;
/**
 * A YAML block scalar's header at a line's end (`password: |`, `token: >-`, `key: |2+ # note`): its value is the more
 * indented lines after it. The short-value pattern took the `|` as the password and the lines below were shown whole.
 */
const BLOCK_SCALAR_AT_END = /(?:^|[^A-Za-z0-9_.-])["']?([A-Za-z][A-Za-z0-9_.-]{0,63})["']?[ \t]*:[ \t]*[|>][1-9+-]{0,2}[ \t]*(?:#[^\n]{0,64})?$/;

/** Values that are no secret: no value set, a flag. */
const NO_SECRET_VALUE = /^(?:null|true|false|undefined|)$/;

/** How many spaces and tabs a line starts with. */
function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].length;
}

/** What the line after a key at a line's end holds: a secret (isSecretKey), a credential if it looks like one, or nothing. */
function keyAtLineEnd(line: string): NextValue | undefined {
  const tail = line.trimEnd().slice(-96);
  const m = KEY_AT_END.exec(tail);
  if (!m) return undefined;
  const indent = indentOf(line);
  const key = m[1]!.toLowerCase();
  // A header's value on the next line keeps its own shape: a cookie's names, an Authorization header's scheme.
  if (key === 'cookie' || key === 'set-cookie') return { expect: 'secret', indent, header: 'cookie' };
  if (key === 'authorization' || key === 'proxy-authorization') return { expect: 'secret', indent, header: 'authorization' };
  if (isSecretKey(m[1]!)) return { expect: 'secret', indent, key: m[1]! };
  return endsInKeyWord(m[1]!) ? { expect: 'credential', indent, key: m[1]! } : undefined;
}

/** The next line's start that is a header's value: cookies (`name=`), or a known Authorization scheme and a space. */
const NEXT_LINE_HEADER = {
  cookie: /^[ \t]*["']?[^=;\s"']+=/,
  authorization: /^[ \t]*["']?(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|dpop|hoba|mutual|vapid)[ \t]+\S/i,
} as const;

/** What the line after a key at a line's end holds, and that key line's indentation. */
interface NextValue {
  expect: 'secret' | 'credential';
  indent: number;
  /** The key as written: a number under one whose last word is `token` is kept (redactDeep's rule). */
  key?: string;
  header?: 'cookie' | 'authorization';
}

/**
 * The next line of a `Cookie:` or `Authorization:` header split after its colon: its cookies' values, or the credentials
 * after its scheme (`Bearer X`), as on one line. The scheme was taken as the value and the credential after it shown.
 */
function redactNextLineHeader(line: string, header: 'cookie' | 'authorization'): string {
  const lead = /^[ \t]*/.exec(line)![0];
  const prefix = header === 'cookie' ? 'cookie: ' : 'authorization: ';
  const body = line.slice(lead.length);
  const out = header === 'cookie' ? redactCookies(prefix + body) : redactAuthorization(prefix + body);
  return lead + out.slice(prefix.length);
}

/**
 * The value at the start of `line` redacted when `expect` says it is one (keyAtLineEnd of the line before, indented
 * `keyIndent`). A quoted value, or a bare word that is the line's only word, is the value at any indentation; a line more
 * indented than the key is a YAML plain scalar, its words the value whole (`password:` then `  correct horse battery`
 * showed all but `correct`; under a key that only ends in `key`, its credential-looking first word). A line of several
 * words no more indented than the key is the next log line, its first word taken only if shaped like a credential:
 * any first word was taken (`Cookie:` then `starting server on port 3000` read `[REDACTED] server on port 3000`).
 */
function redactNextLineValue(line: string, expect: 'secret' | 'credential', keyIndent: number): string {
  const m = VALUE_START.exec(line);
  if (!m) return line;
  const [whole, lead, quote, quoted, bare] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined];
  const value = quote !== undefined ? quoted! : bare!;
  if (value === REDACTED || NO_SECRET_VALUE.test(value) || (expect === 'credential' && !looksLikeCredential(value))) return line;
  const rest = line.slice(whole.length);
  if (quote !== undefined) return `${lead}${quote}${REDACTED}${quote}${rest}`;
  if (/^,?[ \t]*$/.test(rest)) return lead + REDACTED + rest;
  if (lead.length > keyIndent && expect === 'secret') return lead + REDACTED;
  // Otherwise only a first word shaped like a credential (`stripeKey:` then `sk_live_... x`): `starting` is no value.
  return lead.length > keyIndent || looksLikeCredential(value) ? lead + REDACTED + rest : line;
}

/**
 * Secrets that span lines, redacted line by line in order: a private key block's body (its BEGIN line says where it
 * starts; it ends at its END line or at the first line that is not base64), and the credential printed on the line
 * after `Authorization: Bearer`, and a value on the line after its key (`"password":` at a line's end). One line in, one line out, so a list of log lines keeps its length.
 */
export function crossLineRedaction(kindOf: KeyKind = secretKind): (line: string) => string {
  let inKey = false;
  // A mapping or list under a secret key left open at the line's end (`"token": ["a",` then `"b"]`): its values go on.
  let structure: OpenStructure | undefined;
  let credentialNext = false;
  // A key at the previous line's end (`"password":`): this line starts with its value (pretty-printed JSON in a log).
  let valueNext: NextValue | undefined;
  // Inside a YAML block scalar, or a mapping or list (`secret:` then `  api: X`), under a secret key: the key line's
  // indentation, and what its lines are.
  let block: { indent: number; expect: 'secret' | 'credential'; nested?: (v: string) => boolean } | undefined;
  const isValue = { secret: (v: string) => v !== REDACTED, credential: (v: string) => v !== REDACTED && looksLikeCredential(v) };
  // What a value under the key is tested with: a number under a key ending in `token` is a count, kept (as redactDeep does).
  const nestedTest = (expect: 'secret' | 'credential', key: string | undefined): ((v: string) => boolean) =>
    key !== undefined && keepsNumbers(key) ? sparingNumbers(isValue[expect]) : isValue[expect];
  return (line) => {
    // Where the structure going on from the line before closed on this one: only what follows may open another.
    let closedAt = 0;
    if (structure) {
      const next = continueStructure(line, structure, REDACTED);
      structure = next?.open;
      if (next) {
        // A value the line before left to this one (`{"token":` then `"abc"}`) was the structure's.
        valueNext = undefined;
        if (structure) return next.text;
        line = next.text + line.slice(next.end);
        closedAt = next.text.length;
      }
    }
    if (block) {
      const indent = indentOf(line);
      if (!line.trim()) return line;
      if (indent > block.indent) {
        if (block.nested) return redactNestedLine(line, indent, REDACTED, block.nested);
        const body = line.slice(indent);
        return block.expect === 'secret' || looksLikeCredential(body) ? line.slice(0, indent) + REDACTED : line;
      }
      block = undefined;
    }
    // Most lines hold neither indicator: no regex walk, no trimmed copy (the API redacts every service's last lines each poll).
    const header = line.includes('|') || line.includes('>') ? BLOCK_SCALAR_AT_END.exec(line.trimEnd().slice(-160)) : null;
    const kind = header ? (isSecretKey(header[1]!) ? 'secret' : endsInKeyWord(header[1]!) ? 'credential' : undefined) : undefined;
    if (kind) block = { indent: indentOf(line), expect: kind };
    let out = line;
    const nestedAt = valueNext ? indentOf(line) : 0;
    if (valueNext && nestedAt > valueNext.indent && opensNestedValue(line)) {
      // A mapping or list under the key (`password:` then `  x: hunter2`): the key showed the value (`x`) was no secret.
      block = { indent: valueNext.indent, expect: valueNext.expect, nested: nestedTest(valueNext.expect, valueNext.key) };
      valueNext = undefined;
      return redactNestedLine(line, nestedAt, REDACTED, block.nested!);
    }
    if (valueNext) out = valueNext.header && NEXT_LINE_HEADER[valueNext.header].test(line) ? redactNextLineHeader(out, valueNext.header) : redactNextLineValue(out, valueNext.expect, valueNext.indent);
    valueNext = keyAtLineEnd(line);
    // A mapping or list opened after a secret key (`"password": {`, `secret: [`): its entries, on the lines below, are the
    // secret. The `{` was taken as the password and `"pin": "1234"` below it shown.
    const opener = valueNext || block ? undefined : keyOpeningAtEnd(line);
    const openKind = opener === undefined ? undefined : secretKind(opener);
    if (openKind) block = { indent: indentOf(line), expect: openKind, nested: nestedTest(openKind, opener) };
    // One opened with its first values on this line (`"password": {"v": "abc",`): read on by its brackets (bounded).
    else if (!block) structure = structureLeftOpen(line, closedAt, indentOf(line), kindOf, looksLikeCredential);
    if (inKey) {
      const end = KEY_END.exec(out);
      if (end) {
        inKey = false;
        const before = out.slice(0, end.index);
        out = (before.trim() ? REDACTED : before) + out.slice(end.index);
      } else if (KEY_BODY_LINE.test(out)) {
        return out.trim() ? /^\s*/.exec(out)![0] + REDACTED : out;
      } else inKey = false;
    } else if (credentialNext) {
      out = out.replace(CREDENTIAL_START, (_m, lead: string) => lead + REDACTED);
    }
    credentialNext = CREDENTIAL_NEXT.test(line.trimEnd());
    return out.replace(KEY_BLOCK, (_m, begin: string, body: string, end: string) => {
      if (!end) inKey = true;
      return begin + (body.trim() ? REDACTED : body) + end;
    });
  };
}

/** What a key's mapping or list holds without the daemon's names (redactInlineStructures' KeyKind). */
function secretKind(key: string): 'secret' | 'credential' | undefined {
  return isSecretKey(key) ? 'secret' : endsInKeyWord(key) ? 'credential' : undefined;
}

/** An argv element that is only a flag naming a secret (`--token`, `--api-key`, `-password`, `--db-pass`): its value is the next element. */
const SECRET_FLAG = /^--?[a-z-]*(?:token|api-?key|secret|password|passwd|(?<![a-z])pass)$/i;

/**
 * An argv (a command probe's `command`, carried in its alert) with a secret passed as the flag's next argument
 * (`["check", "--token", "<value>"]`): that argument is redacted whole. Each element alone looked harmless, so the
 * `--token X` pattern, which needs both in one string, never saw it.
 */
export function secretFlagValues(items: string[]): string[] {
  return items.map((v, i) => (i > 0 && SECRET_FLAG.test(items[i - 1]!) && v.length > 0 && !v.startsWith('-') ? REDACTED : v));
}

/** A header or field name alone (`X-Api-Key`, `Cookie`): one word, no spaces, no value after it. */
const NAME_ALONE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * A list of names and values in turn (Node's `rawHeaders`: `["X-Api-Key", "<key>", "Cookie", "sid=..."]`): the element
 * after one that is only a secret name (isSecretKey) is its value, redacted whole; each alone looked harmless.
 */
function secretPairValues(items: string[]): string[] {
  return items.map((v, i) => (i > 0 && NAME_ALONE.test(items[i - 1]!) && isSecretKey(items[i - 1]!) && v.length > 0 ? REDACTED : v));
}

/** Key body lines read backwards from an END line: the last may be short, the others are full (64 or 70 characters). */
const SHORT_BODY_LINE = /^\s*[A-Za-z0-9+/=]+\s*$/;
const FULL_BODY_LINE = /^\s*[A-Za-z0-9+/=]{40,}\s*$/;

/**
 * The body of a key block whose BEGIN line is not in the text (a tail of the last N lines cut inside it): the lines
 * before an END line, back to the first one that is not base64. crossLineRedaction, reading forwards, showed them.
 */
export function headlessKeyBodies(lines: string[]): string[] {
  const out = [...lines];
  for (let i = out.length - 1; i >= 0; i--) {
    if (!KEY_END.test(out[i]!) || out[i]!.includes('-----BEGIN')) continue;
    // The last body line may be short (`8cKA==`); any other is a full one: a word such as `starting` is not taken.
    for (let j = i - 1; j >= 0 && (j === i - 1 ? SHORT_BODY_LINE : FULL_BODY_LINE).test(out[j]!); j--) out[j] = /^\s*/.exec(out[j]!)![0] + REDACTED;
  }
  return out;
}

/** A flag's value: never a credential. */
const FLAG_VALUE = /^(true|false|yes|no|on|off|enabled|disabled)$/i;
/** Words of a variable's name (split at `_`, `-`, `.`) that make it a number setting: a port, a duration, a size. */
const NUMBER_SETTING_WORDS = new Set(['PORT', 'TTL', 'TIMEOUT', 'EXPIRY', 'EXPIRES', 'EXPIRATION', 'INTERVAL', 'MS', 'SEC', 'SECS', 'SECONDS', 'MIN', 'MINS', 'MINUTES', 'HOURS', 'DAYS', 'MAX', 'SIZE', 'LENGTH', 'LEN', 'LIMIT', 'COUNT', 'RETRIES', 'ROUNDS', 'BITS']);

/** The last word of a variable's name that makes it a choice among named options (`AUTH_MODE=token`). */
const CHOICE_SETTING_WORDS = new Set(['MODE', 'TYPE', 'METHOD', 'KIND', 'SCHEME', 'STRATEGY', 'LEVEL', 'FORMAT', 'ALGORITHM', 'ALG', 'STYLE']);
/** One short word: the name of an option, not a credential (no URL, no path, no long random string). */
const CHOICE_VALUE = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

/**
 * The value of a secret-looking variable that is a setting: a flag (`AUTH_ENABLED=true`), a number in a variable
 * whose name says it is one (`TOKEN_TTL=3600`, `AUTH_PORT=8080`), or one short word in a variable whose name ends
 * in a choice (`AUTH_MODE=token`, `TOKEN_TYPE=bearer`). A number under any other name stays a secret
 * (`ADMIN_PASSWORD=483920`), and so does a word (`ADMIN_PASSWORD=sunshine`).
 */
/** Environment variables a shell sets to directories, whose names only look like secrets (`PWD`). */
const SHELL_DIR_VARIABLES = new Set(['PWD', 'OLDPWD']);

function settingValue(name: string, value: string): boolean {
  const v = value.trim();
  if (FLAG_VALUE.test(v)) return true;
  const words = name.toUpperCase().split(/[_.-]+/);
  if (/^\d+(\.\d+)?$/.test(v)) return words.some((w) => NUMBER_SETTING_WORDS.has(w));
  return CHOICE_VALUE.test(v) && CHOICE_SETTING_WORDS.has(words[words.length - 1] ?? '');
}


/** A run of base64 (standard or URL-safe) long enough to hold `user:secret`: a whole word, not part of a longer one. */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{8,}={0,2}(?![A-Za-z0-9+/=_-])/g;
/** Decoded credentials: a user (no colon, no space, not JSON), a colon, a secret of 4 or more characters (not `//`: a URL). */
const USER_SECRET = /^[^\s:{["][^\s:]*:(?!\/\/)\S.{3,}$/s;
/** Text a person could have written: no control characters, no bytes that were not UTF-8. */
const PRINTABLE = /^[^\x00-\x1f\x7f\ufffd]+$/;

/**
 * Whether a base64 word decodes to credentials: `user:secret` (what a Basic header carries, also put in a URL query or
 * a log line) or a `key:value` text (JSON, YAML) holding a known secret. Only `Authorization: Basic` was caught; the same bytes elsewhere were
 * logged as written, the known password inside them too.
 */
function encodesCredentials(word: string, known: RegExp | undefined): boolean {
  const b64 = word.replace(/=+$/, '');
  if (b64.length % 4 === 1) return false;
  const bytes = Buffer.from(b64, 'base64');
  // Most base64-looking words (ids, hashes, paths) decode to bytes without a colon: the cheap test they fail first.
  if (!bytes.includes(0x3a)) return false;
  const decoded = bytes.toString('utf8');
  if (!PRINTABLE.test(decoded)) return false;
  if (USER_SECRET.test(decoded)) return true;
  if (!known) return false;
  known.lastIndex = 0;
  return known.test(decoded);
}

/** Every base64 word that encodes credentials (encodesCredentials); a path's pieces (`/x/<base64>`) are tried one by one. */
function redactEncodedCredentials(text: string, known: RegExp | undefined): string {
  return text.replace(BASE64_RUN, (run) => {
    if (encodesCredentials(run, known)) return REDACTED;
    if (!run.includes('/')) return run;
    return run
      .split('/')
      .map((piece) => (piece.length >= 8 && encodesCredentials(piece, known) ? REDACTED : piece))
      .join('/');
  });
}

/** An Authorization header (or a key named so) with its scheme: the credentials after it, to the end of the line. */
// Spaces within one line only: across the line break, the next line's first word was taken as the scheme (crossLineRedaction's).
const AUTH_HEADER = /(\b(?:proxy-)?authorization(?:\\*["'])?[ \t]*[:=][ \t]*(?:\\*["'])?[A-Za-z][A-Za-z0-9-]*[ \t]+)([^\r\n]*)/gi;
/** Credentials given as auth-params (`Digest username="u", response="..."`, AWS's `Credential=..., Signature=...`). */
const AUTH_PARAMS_START = /^[A-Za-z][A-Za-z0-9_-]{0,31}[ \t]*=(?!=)/;
const AUTH_PARAM = /(^|,[ \t]*)([A-Za-z][A-Za-z0-9_-]*)([ \t]*=[ \t]*)(?:(\\*")(.*?)\4|([^\s,"'}\\]*))/g;
/** Auth-params that describe the request, not prove it: shown. Every other one (response, nonce, cnonce, Signature...) is not. */
const PLAIN_AUTH_PARAMS = new Set(['username', 'realm', 'uri', 'algorithm', 'qop', 'nc', 'domain', 'stale', 'charset', 'userhash', 'signedheaders']);
/** A token68 credential (`Negotiate YIIG...`, `Token 9f8e...`): one word. */
const AUTH_TOKEN = /^[^\s"',}\\]{8,}/;

/**
 * The credentials of an Authorization header whatever its scheme, the scheme kept: a token (`Negotiate`, `Token`,
 * `NTLM`) or the secret auth-params (Digest's `response=`, `nonce=`; AWS SigV4's `Signature=`). The scheme was redacted
 * instead, and a Digest or SigV4 header kept its `response=` and `Signature=` values in plain sight.
 */
function redactAuthorization(text: string): string {
  return text.replace(AUTH_HEADER, (_m, head: string, rest: string) => {
    if (!AUTH_PARAMS_START.test(rest)) return head + rest.replace(AUTH_TOKEN, REDACTED);
    return (
      head +
      rest.replace(AUTH_PARAM, (param: string, sep: string, name: string, eq: string, quote: string | undefined, _quoted: string | undefined, bare: string | undefined) => {
        if (PLAIN_AUTH_PARAMS.has(name.toLowerCase())) return param;
        if (quote !== undefined) return `${sep}${name}${eq}${quote}${REDACTED}${quote}`;
        return bare ? `${sep}${name}${eq}${REDACTED}` : param;
      })
    );
  });
}

/**
 * A JSON Web Token: base64url of `{"...` (header), a dot, base64url of `{"...` (claims), a dot, the signature (maybe
 * empty). Matched from the start of its run of base64url characters, the header's `eyJ` found in code: `\beyJ...\.`
 * started again at every `-eyJ` of a run with no dot, each scanning to its end (64 KiB of `-eyJ`: 4 s, quadratic).
 */
const JWT_RUN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{13,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g;

function redactJwts(text: string): string {
  if (!text.includes('eyJ')) return text;
  return text.replace(JWT_RUN, (m) => {
    const header = m.indexOf('.');
    // Where `\beyJ` would have started: the run's start or after a `-`, with 10 or more characters before the dot.
    for (let i = m.indexOf('eyJ'); i >= 0 && header - i - 3 >= 10; i = m.indexOf('eyJ', i + 1)) {
      if (i === 0 || m[i - 1] === '-') return m.slice(0, i) + REDACTED;
    }
    return m;
  });
}

/**
 * A password told in prose (`the password is hunter2`, `my password is "hunter2"`, `with password hunter2`): no `=` or
 * `:` after the key, so no key pattern saw it. After `password`/`passphrase` and `is`/`was`/`:`, a quoted value or an
 * unquoted word holding a digit or a symbol; with neither word, an unquoted word holding a letter and a digit or symbol
 * (`wrong password 3 times` stays). A word of letters (`the password was changed`, `password is required.`) stays.
 */
// `(?:[ \t]*(:))?[ \t]+`, not `[ \t]*(:)?[ \t]+`: two space runs side by side split a long run every way (quadratic).
// Not a YAML block scalar's header (`password: |`, `passphrase: >-`): its value is on the lines below, and the `|` was
// taken as the password.
const PROSE_PASSWORD = /(\bpass(?:word|phrase)\b(?:[ \t]+(is|was)\b)?(?:[ \t]*(:))?[ \t]+)(?:(["'])([^"'\n]+)\4|(?![|>][1-9+-]{0,2}(?:[ \t]|\r?(?:\n|$)))([^\s"'()[\]{}<>,;]+))/gi;

function redactProsePasswords(text: string): string {
  return text.replace(PROSE_PASSWORD, (m, head: string, verb: string | undefined, colon: string | undefined, quote: string | undefined, quoted: string | undefined, bare: string | undefined) => {
    const told = verb !== undefined || colon !== undefined;
    if (quote !== undefined) return told || /[^A-Za-z]/.test(quoted!) ? `${head}${quote}${REDACTED}${quote}` : m;
    // A sentence's end (`is hunter2.`) after a word of letters and digits stays; any other trailing punctuation is the
    // value's (`is: p@ss!`): cut off, the `!` of the password was shown.
    const word = bare!.replace(/[.,;:!?]+$/, '');
    const symbol = /[^A-Za-z]/.test(word);
    if (word === REDACTED || !symbol || (!told && !/[A-Za-z]/.test(word))) return m;
    return head + REDACTED + (/^[A-Za-z0-9]+[.,;:]$/.test(bare!) ? bare!.slice(-1) : '');
  });
}

/**
 * redact() remembers its answers up to this many characters (texts and answers; about 1 MiB at most: the daemon's
 * memory is a benchmark, and one status of 100 services is well under it): the API redacted the same status strings
 * again for every viewer, 17 ms of the event loop per GET /api/status with 100 services. Forgotten whole when full,
 * and whenever a secret is learned (an answer from before would not hide it).
 */
export const REDACT_MEMO_MAX_CHARS = 512 * 1024;
/** Texts longer than this are redacted every time, not remembered (a huge one would evict everything else). */
export const REDACT_MEMO_MAX_TEXT = 4096;

export class Redactor {
  private readonly values: string[] = [];
  /** The values as one alternation, longest first: one pass over a line instead of one per value (built on first use). */
  private valuesPattern: RegExp | undefined;
  private readonly memo = new Map<string, string>();
  private memoChars = 0;
  /** Names the daemon gave (notify channels): a key spelled so names a thing, not a setting (addName). */
  private readonly names = new Set<string>();

  /** What a key's mapping or list on one line holds (redactInlineStructures), as redactDeep decides for its object. */
  private readonly structureKind = (key: string): 'secret' | 'credential' | undefined =>
    this.names.has(key) ? undefined : secretKind(key);

  constructor(secretValues: Iterable<string> = []) {
    for (const v of secretValues) this.addSecret(v);
  }

  /** Registers an exact value (a token, a webhook URL) to be removed wherever it appears. */
  addSecret(value: string | undefined | null): void {
    if (!value || value.length < 4) return;
    for (const form of new Set([value, ...encodedForms(value)])) if (!this.values.includes(form)) this.values.push(form);
    this.values.sort((a, b) => b.length - a.length);
    this.valuesPattern = undefined;
    this.forget();
  }

  private forget(): void {
    this.memo.clear();
    this.memoChars = 0;
  }

  /** Drops the remembered answers (the daemon's heap near its limit); returns the characters they held. */
  dropMemo(): number {
    const chars = this.memoChars;
    this.forget();
    return chars;
  }

  /**
   * Registers a name the daemon keys its own maps by (a notify channel's, `webhook` by default): `{deadLetters: {webhook:
   * 3}}` read `{webhook: "[REDACTED]"}` in status, the dashboard and `notify flush`, as if the count were a webhook URL.
   * Under such a key a value is redacted by what it contains (the channel's URL and tokens are known values), not whole.
   */
  addName(name: string): void {
    this.names.add(name);
  }

  /** Registers the value of a setting whose name says it is a secret, unless the value is a setting (settingValue). */
  addSecretSetting(name: string, value: string): void {
    if (!settingValue(name, value)) this.addSecret(value);
  }

  /**
   * Adds the values of environment variables whose names look secret, except settings that are not secrets
   * (settingValue): `AUTH_ENABLED=true`, `TOKEN_TTL=3600` or `AUTH_MODE=token` taken as secrets would hide every
   * "true", "3600" and "token" in logs, alerts, status and /metrics (a histogram's `le="3600"` bucket).
   */
  addSecretEnv(env: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(env)) {
      // The shell's working directories: `pwd` is a secret word (`DB_PWD`), but `PWD` is where the daemon was started,
      // and every path under it (the config's, the logs') read `[REDACTED]/c.yaml` in status, alerts and the journal.
      if (SHELL_DIR_VARIABLES.has(k)) continue;
      // Also every name the shared rule (secret-keys.ts) calls a secret: `GW_PASSPHRASE`, `SSH_PRIVATE_KEY`... were not
      // learned, and a service printing its passphrase showed it in /api/status (lastLines) to anyone on the machine.
      const secretName = /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|WEBHOOK|AUTH)/i.test(k) || mentionsSecret(k);
      // A name that says `key` and nothing more (`OPENAI_KEY`, but also `PROVIDER_KEY=openai`, `SESSION_KEY=agent:main:x`):
      // its value is learned only when it looks like a credential; `openai` learned hid that word in every log line.
      // `key` as a word of the name, not inside one: `KEYCLOAK_CLIENT_ID=clawback-admin-2024`, `TURNKEY_RELEASE=release-2026-12-06`
      // were learned (credential-shaped) and hid that client id and release name in every log line, alert and status.
      const keyName = !secretName && /KEY/i.test(k) && wordsOf(k).some((w) => w === 'key' || w === 'keys') && v !== undefined && looksLikeCredential(v);
      if ((secretName || keyName) && v !== undefined && !settingValue(k, v)) this.addSecret(v);
    }
  }

  redact(text: string): string {
    const known = this.memo.get(text);
    if (known !== undefined) return known;
    const out = this.redactNow(text);
    if (text.length <= REDACT_MEMO_MAX_TEXT) {
      if (this.memoChars + text.length + out.length > REDACT_MEMO_MAX_CHARS) this.forget();
      this.memo.set(text, out);
      this.memoChars += text.length + out.length;
    }
    return out;
  }

  private redactNow(text: string): string {
    // A structure under a secret key may go on past a line's end (`"token": ["a",` then `"b"]`): only a text of lines
    // with a key's bracket is walked for it.
    const spans = MAY_SPAN_LINES.test(text) || (text.includes('\n') && OPENS_STRUCTURE.test(text));
    let out = spans ? headlessKeyBodies(text.split('\n').map(crossLineRedaction(this.structureKind))).join('\n') : text;
    if (this.values.length) {
      this.valuesPattern ??= new RegExp(this.values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
      out = out.replace(this.valuesPattern, REDACTED);
    }
    // Before the key patterns: `"password": {"x": 5}` is no `key: value` to them, and `{"x"` was no value either.
    out = redactInlineStructures(out, REDACTED, this.structureKind, looksLikeCredential);
    if (/cookie/i.test(out)) out = redactCookies(out);
    if (/authorization/i.test(out)) out = redactAuthorization(out);
    if (/pass(?:word|phrase)/i.test(out)) out = redactProsePasswords(out);
    out = redactTraceSecrets(out);
    for (const re of PATTERNS) out = re === COMMAND_PASSWORD ? commandPasswords(out) : out.replace(re, patternReplacement);
    if (/key/i.test(out)) out = redactKeyWordValues(out);
    out = redactJwts(out);
    // Last: a JSON Web Token's parts decode to `{"alg":...}`, which the patterns above already took whole.
    return redactEncodedCredentials(out, this.values.length ? this.valuesPattern : undefined);
  }

  /** Redacts every string inside a JSON-like value. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    // A list of strings is taken as lines in order (a service's last lines): a key block across them is redacted whole.
    if (Array.isArray(value)) {
      if (value.length > 1 && value.every((v) => typeof v === 'string')) {
        const line = crossLineRedaction(this.structureKind);
        return headlessKeyBodies(secretPairValues(secretFlagValues(value as string[])).map((v: string) => line(v))).map((v) => this.redact(v)) as T;
      }
      return value.map((v) => this.redactDeep(v)) as T;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        // A key is text too: a details map keyed by URL (`{"http://u:pw@h/x": 3}`) showed the password in it.
        // The shell's working directory under PWD/OLDPWD (an env dump in an event's details) is a path, not a secret.
        const shellDir = SHELL_DIR_VARIABLES.has(k) && typeof v === 'string' && /^[/~]/.test(v);
        const named = !this.names.has(k);
        // `stripeKey: "sk_live_..."` is a secret by its value; `sessionKey: "agent:main:x"`, `providerKey: "openai"` stay.
        const keyWordSecret = named && typeof v === 'string' && endsInKeyWord(k) && looksLikeCredential(v);
        setOwn(out, freeKey(out, k, this.redact(k)), keyWordSecret ? REDACTED : isSecretKey(k) && !shellDir && named ? secretValue(k, v, (x) => this.redact(x)) : this.redactDeep(v));
      }
      return out as T;
    }
    return value;
  }
}

/** A redacted key that another redacted key already took (`[REDACTED]` twice) gets a number: no value is dropped. */
function freeKey(out: Record<string, unknown>, key: string, redacted: string): string {
  let name = redacted;
  for (let i = 2; redacted !== key && Object.hasOwn(out, name); i++) name = `${redacted} (${i})`;
  return name;
}

/**
 * A value under a secret key (isSecretKey), at any depth: every string and number in it is the secret
 * (`{apiKey: ["..."]}`, `{password: 483920}`, `{token: {value: "..."}}`), only a string was hidden before. A number under
 * a key whose last word is `token` is kept: a count or a fencing token (`fencingToken: 42` in status), never a credential
 * here; an LLM's counts (`tokens`, `maxTokens`, `tokenCount`) are not secret keys at all. Flags and null stay as written.
 * A scalar under a key that describes the credential (`{password: {user: "bob", port: 5432}}`) is shown, as in text.
 */
function secretValue(key: string, v: unknown, redactKey: (k: string) => string, depth = 0): unknown {
  if (typeof v === 'string' || typeof v === 'bigint') return REDACTED;
  if (typeof v === 'number') return /token$/i.test(key) ? v : REDACTED;
  if (!v || typeof v !== 'object' || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x: unknown) => secretValue(key, x, redactKey, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // What describes the credential (`user`, `port`, `host`: isPlainKey) is shown, as the text path shows it, still redacted.
    const plain = isPlainKey(k) && (x === null || typeof x !== 'object');
    setOwn(out, freeKey(out, k, redactKey(k)), plain ? (typeof x === 'string' ? redactKey(x) : x) : secretValue(key, x, redactKey, depth + 1));
  }
  return out;
}
