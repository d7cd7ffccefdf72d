/* Check a return: refuse a file that is over the size limit in the browser, before it is sent.
   The server checks again (a crafted request can skip this); this only spares the user a long
   upload and gives the same clear message. Served from assets/ so no inline script is needed. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  oversight: {
    guardUpload: function (contents, filename, limits) {
      var noUpdate = window.dash_clientside.no_update;
      if (!contents || !limits) {
        return [noUpdate, ""];
      }
      var comma = contents.indexOf(",");
      var encoded = comma >= 0 ? contents.length - comma - 1 : contents.length;
      var bytes = Math.floor(encoded * 3 / 4);
      if (bytes > limits.max_file_bytes) {
        var mb = function (n) { return n >= 1000000 ? (n / 1000000).toFixed(1) + " MB" : Math.ceil(n / 1000) + " kB"; };
        return [null, "The file " + (filename || "") + " is " + mb(bytes) +
          "; the largest return that can be checked is " + mb(limits.max_file_bytes) +
          ". A monthly return is a few kilobytes: check that you chose the right file."];
      }
      return [{contents: contents, filename: filename}, ""];
    }
  }
});
