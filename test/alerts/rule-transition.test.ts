import { describe, expect, it } from "vitest";
import type { AlertState, LastNotification } from "../../src/alerts/rule-logic.ts";
import { transition } from "../../src/alerts/rule-logic.ts";
import { NOW, rule } from "./helpers.ts";

const r = rule({ window: "5m", below: 0.85, warn_below: 0.9, cooldown: "30m" });
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const decided = (state: AlertState) => ({ state, held: false });

/** Runs evaluations through `transition` the way the engine does, keeping the last notification. */
function run(steps: { minute: number; state: AlertState; held?: boolean }[]) {
  let state: AlertState | null = "ok";
  let last: LastNotification | null = null;
  return steps.map((step) => {
    const t = transition(
      state,
      { state: step.state, held: step.held ?? false },
      at(step.minute),
      last,
      r,
    );
    state = t.state;
    if (t.notify) last = { type: t.notify, at: at(step.minute) };
    if (t.episode === "close") last = null;
    return [t.state, t.notify, t.episode];
  });
}

describe("transition", () => {
  it("fires once, stays quiet within the cooldown, reminds after it, resolves once", () => {
    expect(
      run([
        { minute: 0, state: "firing" },
        { minute: 1, state: "firing" },
        { minute: 29, state: "firing" },
        { minute: 30, state: "firing" },
        { minute: 31, state: "firing" },
        { minute: 40, state: "ok" },
        { minute: 41, state: "ok" },
      ]),
    ).toEqual([
      ["firing", "alert.firing", "open"],
      ["firing", null, null],
      ["firing", null, null],
      ["firing", "alert.firing", null],
      ["firing", null, null],
      ["ok", "alert.resolved", "close"],
      ["ok", null, null],
    ]);
  });

  it("escalates warning to firing at once, and resolves the whole episode once", () => {
    expect(
      run([
        { minute: 0, state: "warning" },
        { minute: 1, state: "warning" },
        { minute: 2, state: "firing" },
        { minute: 3, state: "ok" },
      ]),
    ).toEqual([
      ["warning", "alert.warning", "open"],
      ["warning", null, null],
      ["firing", "alert.firing", null],
      ["ok", "alert.resolved", "close"],
    ]);
  });

  it("steps down to warning silently and does not re-page a flap inside the cooldown", () => {
    expect(
      run([
        { minute: 0, state: "firing" },
        { minute: 5, state: "warning" },
        { minute: 10, state: "firing" },
        { minute: 20, state: "warning" },
        { minute: 45, state: "firing" },
      ]),
    ).toEqual([
      ["firing", "alert.firing", "open"],
      ["warning", null, null],
      ["firing", null, null],
      ["warning", null, null],
      ["firing", "alert.firing", null],
    ]);
  });

  it("changes nothing on a held evaluation, even a firing one past its cooldown", () => {
    expect(
      run([
        { minute: 0, state: "firing" },
        { minute: 90, state: "firing", held: true },
        { minute: 91, state: "ok", held: true },
      ]),
    ).toEqual([
      ["firing", "alert.firing", "open"],
      ["firing", null, null],
      ["firing", null, null],
    ]);
  });

  it("treats no_data as healthy: a new scope starts there, and reaching it resolves", () => {
    expect(transition(null, { state: "no_data", held: true }, NOW, null, r)).toEqual({
      state: "no_data",
      notify: null,
      episode: null,
      changed: false,
    });
    expect(transition(null, decided("firing"), NOW, null, r)).toMatchObject({
      notify: "alert.firing",
      episode: "open",
      changed: true,
    });
    expect(
      transition("firing", decided("no_data"), NOW, { type: "alert.firing", at: NOW }, r),
    ).toMatchObject({ state: "no_data", notify: "alert.resolved", episode: "close" });
    expect(transition("no_data", decided("ok"), NOW, null, r)).toMatchObject({
      state: "ok",
      notify: null,
      changed: true,
    });
  });

  it("accepts the last notification time as stored text", () => {
    const last = { type: "alert.firing" as const, at: at(-10).toISOString() };
    expect(transition("firing", decided("firing"), NOW, last, r).notify).toBeNull();
    expect(transition("firing", decided("firing"), at(25), last, r).notify).toBe("alert.firing");
  });
});
