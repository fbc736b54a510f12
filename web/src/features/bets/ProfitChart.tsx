/** uPlot profit curve: cumulative profit of the settled bets over settlement time, sized to its box. */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatMoney } from "../../lib/format";
import type { Curve } from "./tracker";

export function ProfitChart({ curve }: { curve: Curve }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (element === null || curve.times.length === 0) return;
    const styles = getComputedStyle(document.documentElement);
    const text = styles.getPropertyValue("--muted").trim() || "#888";
    const grid = styles.getPropertyValue("--border").trim() || "#444";
    const accent = styles.getPropertyValue("--accent").trim() || "#2dd4bf";
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height: 220,
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map((v) => formatMoney(v)) }],
      series: [
        {},
        {
          label: "Profit",
          stroke: accent,
          width: 2,
          points: { show: curve.times.length < 60 },
          value: (_u: uPlot, v: number | null) => formatMoney(v),
        },
      ],
      legend: { live: true },
    };
    const plot = new uPlot(options, [curve.times, curve.profit] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [curve]);

  const last = curve.profit[curve.profit.length - 1];
  return (
    <div
      ref={box}
      className="chart"
      role="img"
      aria-label={`Cumulative profit over ${curve.times.length} settlements, now ${formatMoney(last ?? 0)}`}
      data-testid="profit-chart"
    />
  );
}
