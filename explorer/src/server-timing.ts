// Server-Timing (https://www.w3.org/TR/server-timing/) as the Worker writes
// it: `name;desc="…";dur=1.2, …`.

export interface TimingStage {
  name: string;
  desc?: string;
  durationMs?: number;
}

export function parseServerTiming(header: string | null): TimingStage[] {
  if (!header) return [];
  const stages: TimingStage[] = [];
  for (const metric of header.split(",")) {
    const [name, ...params] = metric.trim().split(";");
    if (!name) continue;
    const stage: TimingStage = { name: name.trim() };
    for (const param of params) {
      const [key, raw = ""] = param.trim().split("=");
      const value = raw.replace(/^"(.*)"$/, "$1");
      if (key === "desc") stage.desc = value;
      if (key === "dur" && Number.isFinite(Number(value))) stage.durationMs = Number(value);
    }
    stages.push(stage);
  }
  return stages;
}

export function describeStage(stage: TimingStage): string {
  const parts = [stage.name];
  if (stage.durationMs !== undefined) parts.push(`${stage.durationMs.toFixed(1)} ms`);
  if (stage.desc) parts.push(`(${stage.desc})`);
  return parts.join(" ");
}
