// A host as it goes into a URL: an IPv6 literal in brackets (`http://::1:18790` is no URL a browser or fetch takes).
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
