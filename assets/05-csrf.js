/* Cross-site request protection for Dash callbacks (docs/security.md): every request this page makes
   to its own server carries the session's token in an X-CSRF-Token header. The token is read from a
   cookie that only this site's pages can read; a page on another site can neither read it nor add a
   custom header to a request here, so the server refuses any callback that lacks it. */
(function () {
  function token() {
    var match = document.cookie.match(/(?:^|;\s*)oversight_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  var originalFetch = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var sameOrigin = url.indexOf("://") === -1 || url.indexOf(window.location.origin + "/") === 0;
    if (sameOrigin) {
      init = Object.assign({}, init || {});
      var headers = new Headers(init.headers || (typeof input !== "string" && input.headers) || {});
      headers.set("X-CSRF-Token", token());
      init.headers = headers;
    }
    return originalFetch.call(this, input, init);
  };
})();
