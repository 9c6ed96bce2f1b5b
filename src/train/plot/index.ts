// train.plot: a small dependency-free PNG rasteriser (and SVG writer) and the charts a training run draws.

export { Canvas, type Color, type TextOptions } from "./canvas.js";
export { encodePng, crc32 } from "./png.js";
export {
  lineChart,
  lineChartSvg,
  confusionMatrixChart,
  confusionMatrixChartSvg,
  niceTicks,
  type Series,
  type LineChartOptions,
  type ConfusionChartOptions,
} from "./charts.js";
