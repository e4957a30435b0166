// Demo only: adds the rapport widget's <script> tag to this page.
//
// In demo mode the rapport server serves this fake library website on a second port,
// one above its own (rapport on :8080, this site on :8081), so that the widget really
// runs on another origin, as it will on a library's own website. We therefore point the
// widget at the same host name, one port lower. A real library site writes the tag by
// hand instead:
//   <script src="https://rapport.example/widget.js" data-library="demo" defer></script>
(function () {
  var port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
  var s = document.createElement('script');
  s.src = location.protocol + '//' + location.hostname + ':' + (port - 1) + '/widget.js';
  s.setAttribute('data-library', 'demo');
  s.defer = true;
  document.head.appendChild(s);
})();
