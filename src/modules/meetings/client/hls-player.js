/* global document */
// The meeting page's HLS player. Safari and iOS play HLS natively: the <video> keeps its src
// and nothing is loaded. Elsewhere hls.js (served from our own origin, never a CDN) feeds
// the same <video> through Media Source Extensions. Without JavaScript, or if neither works,
// the page's plain link to the stream remains.
const video = document.querySelector('video[data-hls-src]');
if (video) {
  const src = video.dataset.hlsSrc;
  const status = document.getElementById('stream-status');
  const say = (text) => {
    if (status) status.textContent = text;
  };
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.dataset.player = 'native';
  } else {
    import(video.dataset.hlsLibrary)
      .then(({ default: Hls }) => {
        if (!Hls.isSupported()) {
          say('This browser cannot play the stream here. Use the link below to open it.');
          return;
        }
        video.removeAttribute('src');
        // No worker: the page's Content Security Policy allows no blob: workers, and one
        // stream is light work for the main thread.
        const hls = new Hls({ enableWorker: false });
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) say('The stream stopped. Use the link below to open it.');
        });
        hls.loadSource(src);
        hls.attachMedia(video);
        video.dataset.player = 'hls.js';
      })
      .catch(() => say('The player could not load. Use the link below to open the stream.'));
  }
}
