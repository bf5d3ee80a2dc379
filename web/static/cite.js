// "Copy" buttons next to citations: copy the text of the element named by data-copy.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var source = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(source.value || source.textContent).then(function () {
      button.textContent = button.getAttribute("data-done");
    });
  });
});
