export { chunksOf, collect, rejectionOf } from '@kakehashi/testkit';
