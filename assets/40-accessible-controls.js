/* Accessibility repairs to third-party components, applied whenever Dash draws them.

   1. dcc.Dropdown (Dash 4) puts keyboard focus on a read-only <input aria-hidden="true"> that
      hands focus on to the real trigger <button tabindex="-1">: a focusable element hidden from
      assistive technology (axe aria-hidden-focus), and a trigger named only by its value. Make the
      proxy inert, put the trigger itself in the tab order, and name it by its <label> and value
      ("Month, October 2026"). Opening with Enter, Space or the arrow keys and typing to search are
      the component's own behaviour and are unchanged.
   2. The open list of a dcc.Dropdown: see `repairOpenList`.
   3. dcc.Upload draws an unlabelled <input type="file">: name it by the drop zone's visible text
      (or the label whose `for` names the upload's id).

   4. Clicking an authority in a chart opens its benchmark page: see `linkAuthorities`.

   Served from assets/ (no inline script, so the Content-Security-Policy stays strict). */
(function () {
  "use strict";

  function labelId(label) {
    if (!label.id) { label.id = label.htmlFor + "-label"; }
    return label.id;
  }

  function repairDropdown(proxy) {
    var trigger = proxy.nextElementSibling;
    if (!trigger || trigger.tagName !== "BUTTON") { return; }
    proxy.inert = true;
    proxy.tabIndex = -1;
    if (!trigger.disabled) { trigger.tabIndex = 0; }
    if (trigger.id && !trigger.dataset.labelled) {
      var label = document.querySelector('label[for="' + CSS.escape(trigger.id) + '"]');
      if (label) {
        trigger.setAttribute("aria-labelledby", labelId(label) + " " + trigger.id + "-value");
        trigger.dataset.labelled = "yes";
      }
    }
  }

  // The open list: a dialog holding a listbox, neither named: name both after the control. (Each
  // option also wraps the radio button the component moves keyboard focus to, which axe reports as
  // nested-interactive; it is left alone, because hiding it would break choosing with the arrow keys.
  // The accessibility statement lists it.)
  function repairOpenList(dialog) {
    var trigger = dialog.id ? document.querySelector('[aria-controls="' + CSS.escape(dialog.id) + '"]') : null;
    var label = trigger && trigger.id ? document.querySelector('label[for="' + CSS.escape(trigger.id) + '"]') : null;
    var name = label ? label.textContent.trim() : "Options";
    if (!dialog.hasAttribute("aria-label")) { dialog.setAttribute("aria-label", name); }
    dialog.querySelectorAll('[role="listbox"]').forEach(function (list) {
      if (!list.hasAttribute("aria-label")) { list.setAttribute("aria-label", name); }
    });
  }

  function repairUpload(input) {
    if (input.hasAttribute("aria-label") || input.hasAttribute("aria-labelledby")) { return; }
    var zone = input.closest("[id]");
    var label = zone ? document.querySelector('label[for="' + CSS.escape(zone.id) + '"]') : null;
    if (label) {
      input.setAttribute("aria-labelledby", labelId(label));
    } else {
      var text = (input.parentElement && input.parentElement.textContent || "").trim();
      input.setAttribute("aria-label", text || "Choose a file");
    }
  }

  // 4. Clicking an authority in a chart opens its benchmark page for the same month and period type
  //    (read from this page's address, which the controls keep up to date). Traces whose points are
  //    authorities say so with meta "authority-link" (dashboard.figures.common.AUTHORITY_LINK).
  function linkAuthorities(graph) {
    if (graph.dataset.authorityLinks || typeof graph.on !== "function") { return; }
    graph.dataset.authorityLinks = "yes";
    graph.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point || !point.data || point.data.meta !== "authority-link") { return; }
      var code = point.id || (point.data.ids && point.data.ids[point.pointNumber]) || point.location;
      if (!code || !/^[EW]\d{8}$/.test(code)) { return; }
      var here = new URLSearchParams(window.location.search);
      var params = new URLSearchParams({code: code});
      ["period", "window"].forEach(function (key) { if (here.get(key)) { params.set(key, here.get(key)); } });
      window.location.assign("/authority?" + params.toString());
    });
  }

  function repair(root) {
    root.querySelectorAll(".js-plotly-plot").forEach(linkAuthorities);
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(repairDropdown);
    root.querySelectorAll('input[type="file"]').forEach(repairUpload);
    root.querySelectorAll(".dash-dropdown-content").forEach(repairOpenList);
  }

  function start() {
    repair(document);
    new MutationObserver(function (changes) {
      for (var i = 0; i < changes.length; i++) {
        var change = changes[i];
        if (change.type === "attributes") {
          // The trigger's blur handler gives the proxy tabindex 0 again: keep it out of the tab order.
          if (change.target.classList.contains("dash-dropdown-focus-target") && change.target.tabIndex !== -1) {
            repairDropdown(change.target);
          }
        } else if (change.addedNodes.length) {
          repair(document);
          return;
        }
      }
    }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["tabindex"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
