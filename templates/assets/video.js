// A video on YouTube or Vimeo: the page shows a link to it, and loads nothing from the video's host until
// the reader clicks it; then the host's player takes the link's place (without JavaScript, the link leads
// to the video's page).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-player]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const player = document.createElement("iframe");
  player.src = link.dataset.player;
  player.title = link.dataset.title;
  player.allow = "autoplay; fullscreen; picture-in-picture";
  player.allowFullscreen = true;
  link.replaceWith(player);
});
