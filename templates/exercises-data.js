/* The exercises of this guide, for the build-your-own routine page. Written by the build. */
window.exguideData = {"exercises": {
{{ fragments("exercises-data-entry.js", "entry", entries) }}
}, "layout": {{ layout | safe }}};
