export { DEMO_ADMIN, DEMO_CUSTOMERS, seedDemo } from './demo.js'
