// The wall screen reloads itself every five minutes while it is shown, so the figures on the
// wall stay live. Without JavaScript the page is the same, reloaded by hand.
(function () {
  var every = 5 * 60 * 1000;
  setInterval(function () {
    if (!document.hidden) {
      window.location.reload();
    }
  }, every);
})();
