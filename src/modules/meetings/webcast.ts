/**
 * Live streams and recordings: how a stream URL is shown (YouTube and Vimeo in their players,
 * HLS in a video element, anything else as a plain link) and how a moment of a recording is
 * linked. Only HTTPS URLs are accepted from staff, and only these hosts are ever framed.
 */

export type StreamEmbed =
  | { kind: 'youtube'; embedUrl: string; watchUrl: string }
  | { kind: 'vimeo'; embedUrl: string; watchUrl: string }
  | { kind: 'hls'; mediaUrl: string; watchUrl: string }
  | { kind: 'link'; watchUrl: string };

/** The CSP sources each embed needs, added on the meeting page only. */
export const frameSources = ['https://www.youtube-nocookie.com', 'https://player.vimeo.com'] as const;

export function isHttpsUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && Boolean(u.hostname);
  } catch {
    return false;
  }
}

function youtubeId(u: URL): string | undefined {
  const host = u.hostname.replace(/^www\.|^m\./u, '');
  let id: string | undefined;
  if (host === 'youtu.be') id = u.pathname.slice(1);
  else if (host === 'youtube.com' || host === 'youtube-nocookie.com') {
    if (u.pathname === '/watch') id = u.searchParams.get('v') ?? undefined;
    else id = /^\/(?:live|embed|shorts)\/([^/]+)/u.exec(u.pathname)?.[1];
  }
  return id && /^[A-Za-z0-9_-]{6,20}$/u.test(id) ? id : undefined;
}

function vimeoId(u: URL): string | undefined {
  const host = u.hostname.replace(/^www\./u, '');
  if (host === 'vimeo.com') return /^\/(?:event\/)?(\d{3,12})(?:\/|$)/u.exec(u.pathname)?.[1];
  if (host === 'player.vimeo.com') return /^\/video\/(\d{3,12})(?:\/|$)/u.exec(u.pathname)?.[1];
  return undefined;
}

/**
 * @example streamEmbed('https://youtu.be/abcdEFGH123') // { kind: 'youtube', embedUrl: 'https://www.youtube-nocookie.com/embed/abcdEFGH123', ... }
 */
export function streamEmbed(url: string | null): StreamEmbed | undefined {
  if (!url || !isHttpsUrl(url)) return undefined;
  const u = new URL(url);
  const yt = youtubeId(u);
  if (yt)
    return {
      kind: 'youtube',
      embedUrl: `https://www.youtube-nocookie.com/embed/${yt}`,
      watchUrl: `https://www.youtube.com/watch?v=${yt}`,
    };
  const vimeo = vimeoId(u);
  if (vimeo) return { kind: 'vimeo', embedUrl: `https://player.vimeo.com/video/${vimeo}`, watchUrl: url };
  if (u.pathname.endsWith('.m3u8')) return { kind: 'hls', mediaUrl: url, watchUrl: url };
  return { kind: 'link', watchUrl: url };
}

/** A link to a moment of the recording (YouTube `t=`, Vimeo `#t=`, otherwise a media fragment). */
export function recordingAt(url: string | null, seconds: number | null): string | undefined {
  if (!url || !isHttpsUrl(url)) return undefined;
  if (seconds === null) return url;
  const embed = streamEmbed(url);
  if (embed?.kind === 'youtube') return `${embed.watchUrl}&t=${seconds}s`;
  const u = new URL(url);
  u.hash = embed?.kind === 'vimeo' ? `t=${seconds}s` : `t=${seconds}`;
  return u.toString();
}
