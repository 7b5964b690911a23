/* osm web UI: what JavaScript adds (every page works without it):
 * the dashboard refreshes itself every 15 s while the tab is visible. */
(function () {
	"use strict";
	var main = document.querySelector(".osm-main");
	if (!main || !document.getElementById("health") || !window.fetch || !window.DOMParser)
		return;
	function refresh() {
		if (document.hidden)
			return;
		fetch(window.location.href, { credentials: "same-origin" }).then(function (r) {
			return r.ok ? r.text() : null;
		}).then(function (html) {
			if (!html)
				return;
			var doc = new DOMParser().parseFromString(html, "text/html");
			var fresh = doc.querySelector(".osm-main");
			if (fresh)
				main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
		}).catch(function () {});
	}
	window.setInterval(refresh, 15000);
})();
