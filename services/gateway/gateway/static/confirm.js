// Forms marked data-confirm ask in the browser before they are sent; without this script the server
// answers a confirmation page instead (gateway/confirm.py), so nothing acts in one unconfirmed click.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question || form.querySelector("input[name=confirmed]")) return;
    if (!window.confirm(question)) { event.preventDefault(); return; }
    var flag = document.createElement("input");
    flag.type = "hidden"; flag.name = "confirmed"; flag.value = "1";
    form.appendChild(flag);
  }, true);
})();
