'use strict';
// The oversight dashboard's plotly.js bundle: core (scatter) + the trace types its figures use.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box'),
    require('plotly.js/lib/choropleth'),
]);
module.exports = Plotly;
