// The ceiling: the smallest Worker on the same workerd, for comparison.
export default {
  fetch() {
    return new Response("hello");
  },
};
