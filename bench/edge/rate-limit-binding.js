// The Workers rate-limiting binding for plain `workerd serve`, which has no
// built-in one (Miniflare simulates it for wrangler dev and the tests). Wired
// as a wrapped binding: fixed windows counted in this process's memory, as
// Cloudflare counts them in the data centre, so a call costs no network.
class RateLimiter {
  #limit;
  #period;
  #windows = new Map();

  constructor(env) {
    this.#limit = env.limit;
    this.#period = env.period;
  }

  async limit({ key }) {
    const epoch = Math.floor(Date.now() / (this.#period * 1000));
    let window = this.#windows.get(key);
    if (!window || window.epoch !== epoch) {
      if (this.#windows.size > 100_000) this.#windows.clear();
      window = { epoch, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count >= this.#limit) return { success: false };
    window.count++;
    return { success: true };
  }
}

export default function makeBinding(env) {
  return new RateLimiter(env);
}
