// reload.js: live reload for docserve --watch (served at /.docserve/reload.js
// and injected into HTML pages).  It listens to /.docserve/events, a
// server-sent-events stream whose events carry the URLs that changed (a URL
// ending in "/" stands for everything below it; "all" for everything), and
//  - reloads the page when the page itself or anything it loaded changed,
//    keeping the scroll position (sessionStorage, per page);
//  - swaps a changed stylesheet in place (a new <link> with a cache-busting
//    query, the old one removed once the new one has loaded): no reload;
//  - reconnects with back-off (1 s doubling to 30 s) when the stream fails,
//    naming the last generation it saw so that nothing is missed.
(function () {
  'use strict';
  if (window.__docserveReload) {
    return;
  }
  window.__docserveReload = true;

  var scrollKey = 'docserve-scroll:' + location.pathname + location.search;
  var lastId = null;
  var delay = 1000;
  var source = null;

  function restoreScroll() {
    var saved = null;
    try {
      saved = sessionStorage.getItem(scrollKey);
      sessionStorage.removeItem(scrollKey);
    } catch (e) {
      return;
    }
    if (!saved) {
      return;
    }
    var xy = saved.split(',');
    var go = function () {
      window.scrollTo(Number(xy[0]) || 0, Number(xy[1]) || 0);
    };
    if (document.readyState === 'complete') {
      go();
    } else {
      window.addEventListener('load', go);
    }
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, window.scrollX + ',' + window.scrollY);
    } catch (e) {
      // No storage (private mode): reload without the position.
    }
    location.reload();
  }

  // The path of @url when it is on this server, else null.
  function localPath(url) {
    try {
      var u = new URL(url, location.href);
      return u.origin === location.origin ? u.pathname : null;
    } catch (e) {
      return null;
    }
  }

  function changed(path, urls) {
    if (path === null) {
      return false;
    }
    for (var i = 0; i < urls.length; i++) {
      var c = urls[i];
      if (path === c || (c.charAt(c.length - 1) === '/' && path.indexOf(c) === 0)) {
        return true;
      }
    }
    return false;
  }

  // Everything the page loaded from this server: the elements that name a
  // resource, and what the browser fetched (images in CSS, fonts, ...).
  function resources() {
    var out = [];
    var attrs = [['script', 'src'], ['img', 'src'], ['iframe', 'src'], ['source', 'src'],
                 ['video', 'src'], ['audio', 'src'], ['embed', 'src'], ['object', 'data'],
                 ['link', 'href']];
    attrs.forEach(function (a) {
      var els = document.querySelectorAll(a[0] + '[' + a[1] + ']');
      for (var i = 0; i < els.length; i++) {
        var el = els[i];
        if (a[0] === 'link' && isStylesheet(el)) {
          continue;
        }
        if (a[0] === 'link' && !/\b(icon|preload|modulepreload|manifest)\b/i.test(el.rel)) {
          continue;
        }
        out.push(localPath(el.getAttribute(a[1])));
      }
    });
    if (window.performance && performance.getEntriesByType) {
      performance.getEntriesByType('resource').forEach(function (e) {
        if (e.initiatorType !== 'link' && !/\/\.docserve\//.test(e.name)) {
          out.push(localPath(e.name));
        }
      });
    }
    return out;
  }

  function isStylesheet(el) {
    return el.tagName === 'LINK' && /\bstylesheet\b/i.test(el.rel) && el.getAttribute('href');
  }

  function swapStylesheet(link) {
    var url = new URL(link.getAttribute('href'), location.href);
    url.searchParams.set('docserve-reload', String(Date.now()));
    var fresh = link.cloneNode(false);
    fresh.href = url.href;
    fresh.addEventListener('load', function () {
      link.remove();
    });
    fresh.addEventListener('error', function () {
      link.remove();
    });
    link.after(fresh);
  }

  function onChange(data) {
    if (data.all || changed(location.pathname, data.urls)) {
      reload();
      return;
    }
    var others = resources();
    for (var i = 0; i < others.length; i++) {
      if (changed(others[i], data.urls)) {
        reload();
        return;
      }
    }
    var links = Array.prototype.filter.call(document.querySelectorAll('link'), isStylesheet);
    var linked = links.map(function (l) {
      return localPath(l.getAttribute('href'));
    });
    // A changed stylesheet that no <link> names may be imported by one of
    // them: then all of them are fetched again.
    var unlinked = data.urls.some(function (u) {
      return /\.css$/i.test(u) && linked.indexOf(u) < 0;
    });
    links.forEach(function (link, i) {
      if (unlinked || changed(linked[i], data.urls)) {
        swapStylesheet(link);
      }
    });
  }

  function connect() {
    var url = '/.docserve/events' + (lastId !== null ? '?last-event-id=' + lastId : '');
    source = new EventSource(url);
    source.onopen = function () {
      delay = 1000;
    };
    source.onmessage = function (ev) {
      if (ev.lastEventId) {
        lastId = ev.lastEventId;
      }
      var data;
      try {
        data = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      onChange(data);
    };
    source.onerror = function () {
      // EventSource retries by itself after a network error; after an HTTP
      // error (503: too many pages open) or the server's end it gives up:
      // reconnect with back-off.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      }
    };
  }

  restoreScroll();
  connect();
})();
