// Paste or drop screenshots and files into a form's file input. Progressive: without this script the
// plain <input type="file" multiple> does the same job; with it, files also arrive by paste and drop,
// and the chosen ones are listed (with a preview for images) and can be removed before sending.
(function () {
  "use strict";
  if (typeof DataTransfer === "undefined") return;

  function pad(n) { return String(n).padStart(2, "0"); }

  function stamp() {
    var d = new Date();
    return d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "-" +
      pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds());
  }

  // Browsers call every pasted screenshot "image.png": give each a name that tells them apart.
  function named(file, index) {
    if (file.name && file.name !== "image.png") return file;
    var ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    return new File([file], "screenshot-" + stamp() + (index ? "-" + (index + 1) : "") + "." + ext,
                    {type: file.type});
  }

  function size(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (f) { transfer.items.add(f); });
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function add(input, incoming) {
    var files = Array.prototype.slice.call(input.files);
    Array.prototype.forEach.call(incoming, function (f, i) { files.push(named(f, i)); });
    setFiles(input, files);
  }

  function show(zone, input, list) {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file, index) {
      var item = document.createElement("li");
      if (file.type.indexOf("image/") === 0) {
        var preview = document.createElement("img");
        preview.src = URL.createObjectURL(file);
        preview.alt = "";
        item.appendChild(preview);
      }
      item.appendChild(document.createTextNode(file.name + " (" + size(file.size) + ") "));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = zone.getAttribute("data-remove-label") || "Remove";
      remove.setAttribute("aria-label", remove.textContent + " " + file.name);
      remove.addEventListener("click", function () {
        setFiles(input, Array.prototype.filter.call(input.files, function (_f, i) { return i !== index; }));
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
  }

  document.querySelectorAll("[data-attach]").forEach(function (zone) {
    var input = zone.querySelector('input[type="file"]');
    var list = zone.querySelector("[data-file-list]");
    var form = zone.closest("form");
    if (!input || !list || !form) return;
    zone.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
    input.addEventListener("change", function () { show(zone, input, list); });
    form.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();  // a pasted screenshot is a file, not text for the comment
        add(input, files);
      }
    });
    form.addEventListener("dragover", function (event) {
      if (hasFiles(event)) { event.preventDefault(); zone.classList.add("dragging"); }
    });
    form.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    form.addEventListener("drop", function (event) {
      if (hasFiles(event) && event.dataTransfer.files.length) {
        event.preventDefault();
        zone.classList.remove("dragging");
        add(input, event.dataTransfer.files);
      }
    });
  });
})();
