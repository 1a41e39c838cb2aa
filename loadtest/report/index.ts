export { compareText, renderCompare } from './compare.js'
export { renderReport } from './html.js'
