/*
 * Candor charts: render the Vega-Lite specs embedded in the page as SVG.
 *
 * Markup (the spec is inert JSON; the table after the chart is the no-JS
 * fallback and stays in the page either way):
 *
 *   <div class="chart" data-spec="chart-weekly-volume"
 *        role="img" aria-label="Tickets per week">
 *     <p class="chart-fallback">Chart: see the table below.</p>
 *   </div>
 *   <script type="application/json" id="chart-weekly-volume">{...Vega-Lite...}</script>
 *   <table>...</table>
 *
 * Scripts, in this order, before this file (plain <script src>, no inline
 * code): vendor/vega.min.js, vendor/vega-lite.min.js, vendor/vega-embed.min.js.
 * Link vendor/vega-tooltip.css when charts have tooltips.
 *
 * Works under Content-Security-Policy "default-src 'self'; script-src 'self';
 * style-src 'self'; img-src 'self' data:": expressions go through the
 * vega-interpreter that vega-embed bundles (ast: true), so there is no
 * eval/new Function, and neither
 * vega-embed nor vega-tooltip may inject a <style> element.
 *
 * On success the container gets data-rendered="true" (its children are
 * replaced by the SVG); on failure (bad spec, failed or off-site data load)
 * the error goes to console.error, the container gets its original children
 * back and data-rendered="error".
 */
(function () {
  'use strict';

  var CONFIG = {
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
  };

  // Keys of a top-level Vega-Lite spec for which `width: "container"` does
  // not apply (composite views size their sub-views instead).
  var COMPOSITE_KEYS = ['facet', 'repeat', 'concat', 'hconcat', 'vconcat'];

  // A Vega loader that refuses anything outside the site's own origin
  // (data: URIs aside), so a spec cannot make the page fetch from elsewhere.
  // Vega only logs a failed data load and draws an empty chart, so failures
  // are recorded in loader.failures and renderChart treats them as errors.
  function sameOriginLoader() {
    var loader = window.vega.loader();
    var sanitize = loader.sanitize.bind(loader);
    var load = loader.load.bind(loader);
    loader.failures = [];
    loader.sanitize = function (uri, options) {
      return sanitize(uri, options).then(function (result) {
        var url = new URL(result.href, document.baseURI);
        if (url.protocol !== 'data:' && url.origin !== window.location.origin) {
          throw new Error('refusing to load off-site URL ' + result.href);
        }
        return result;
      });
    };
    loader.load = function (uri, options) {
      return load(uri, options).catch(function (err) {
        loader.failures.push(err);
        throw err;
      });
    };
    return loader;
  }

  function embedOptions(loader) {
    return {
      renderer: 'svg',
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: {disableDefaultStyle: true},
      loader: loader,
      config: CONFIG
    };
  }

  // The site theme's colours as the page's CSS has them now (light or dark): every colour of
  // the spec's config (scoring/charts.py THEME) is replaced by its CSS custom property.
  function themeColours() {
    var css = window.getComputedStyle(document.documentElement);
    var ink = css.getPropertyValue('--muted').trim();
    var line = css.getPropertyValue('--line').trim();
    var first = css.getPropertyValue('--chart-1').trim();
    var second = css.getPropertyValue('--chart-2').trim();
    if (!ink || !line || !first || !second) {
      return {};
    }
    return {
      axis: {labelColor: ink, titleColor: ink, domainColor: ink, tickColor: ink, gridColor: line},
      legend: {labelColor: ink, titleColor: ink},
      range: {category: [first, second]},
      area: {color: first}
    };
  }

  function themed(spec) {
    var colours = themeColours();
    var config = spec.config = spec.config || {};
    Object.keys(colours).forEach(function (key) {
      config[key] = Object.assign({}, config[key], colours[key]);
    });
    return spec;
  }

  function readSpec(el) {
    var id = el.getAttribute('data-spec');
    var node = id ? document.getElementById(id) : null;
    if (!node || node.tagName !== 'SCRIPT' || node.type !== 'application/json') {
      throw new Error('no <script type="application/json" id="' + id + '"> for chart');
    }
    return JSON.parse(node.textContent);
  }

  function makeResponsive(spec) {
    var composite = COMPOSITE_KEYS.some(function (key) {
      return Object.prototype.hasOwnProperty.call(spec, key);
    });
    if (!composite && spec.width === undefined) {
      spec.width = 'container';
    }
    return spec;
  }

  function restore(el, children) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    children.forEach(function (child) {
      el.appendChild(child);
    });
    el.classList.remove('vega-embed', 'fit-x', 'fit-y');
  }

  async function renderChart(el) {
    var fallback = Array.prototype.slice.call(el.childNodes);
    try {
      if (typeof window.vegaEmbed !== 'function' || !window.vega) {
        throw new Error('vega / vega-embed scripts are not loaded');
      }
      var spec = themed(makeResponsive(readSpec(el)));
      var loader = sameOriginLoader();
      var result = await window.vegaEmbed(el, spec, embedOptions(loader));
      if (loader.failures.length) {
        result.finalize();
        throw loader.failures[0];
      }
      el.setAttribute('data-rendered', 'true');
      return result;
    } catch (err) {
      console.error('charts.js: chart "' + el.getAttribute('data-spec') + '" failed:', err);
      restore(el, fallback);
      el.setAttribute('data-rendered', 'error');
      return null;
    }
  }

  function renderAll(root) {
    var charts = (root || document).querySelectorAll('.chart[data-spec]');
    return Promise.all(Array.prototype.map.call(charts, renderChart));
  }

  window.CandorCharts = {renderAll: renderAll, renderChart: renderChart, config: CONFIG};

  // Redraw in the other scheme's colours when the reader's light/dark setting changes.
  var views = [];
  function draw() {
    views.forEach(function (view) {
      if (view) {
        view.finalize();
      }
    });
    return renderAll().then(function (results) {
      views = results;
    });
  }
  if (window.matchMedia) {
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
