/** uPlot line-movement chart (decimal odds on the axis, labelled in the user's format), sized to its box. */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatOdds, odds } from "../../lib/format";
import type { OddsFormat } from "../../lib/preferences";
import type { ChartData } from "./history";

const PALETTE = ["#60a5fa", "#f59e0b", "#a78bfa", "#f472b6", "#34d399", "#fb923c", "#94a3b8"];

export function LineChart({ data, oddsFormat, title }: { data: ChartData; oddsFormat: OddsFormat; title: string }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (element === null || data.times.length === 0) return;
    const styles = getComputedStyle(document.documentElement);
    const text = styles.getPropertyValue("--muted").trim() || "#888";
    const grid = styles.getPropertyValue("--border").trim() || "#444";
    const fairColor = styles.getPropertyValue("--accent").trim() || "#2dd4bf";
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height: 300,
      title,
      scales: { x: { time: true } },
      axes: [
        axis,
        { ...axis, size: 60, values: (_u, ticks) => ticks.map((v) => formatOdds(odds(v), oddsFormat)) },
      ],
      series: [
        {},
        ...data.lines.map((line, i) => ({
          label: line.label,
          stroke: line.fair ? fairColor : PALETTE[i % PALETTE.length],
          width: line.fair ? 2.5 : 1.5,
          dash: line.fair ? [6, 4] : undefined,
          spanGaps: false,
          paths: line.fair ? undefined : stepped,
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : formatOdds(odds(v), oddsFormat)),
        })),
      ],
      legend: { live: true },
    };
    const plot = new uPlot(options, [data.times, ...data.lines.map((l) => l.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 300 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, oddsFormat, title]);

  return <div ref={box} className="chart" role="img" aria-label={`${title}: price over time per sharp book`} />;
}
