export { getProduct, type Product } from './products.js'
export { catalogRoutes } from './routes.js'
export { returnStock, type StockLine, takeStock } from './stock.js'
