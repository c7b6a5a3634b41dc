/* htmx under the Content-Security-Policy, which forbids eval: trigger filters written in attributes
   (change[target.type!='search']) cannot run, so what they kept out is kept out here.
   A live search box sends its query while the user types; the change event it fires again on
   blur must not send the same query a second time (and push a second history entry). */
(function () {
  "use strict";

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    var source = trigger && trigger.target;
    if (trigger && trigger.type === "change" && source && source.matches && source.matches("[data-search-input]")) {
      event.preventDefault();
    }
  });
})();
