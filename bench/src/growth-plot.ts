// The growth plot in bench/README.md: B1's cost at each size, drawn with Vega-Lite (compiled
// to Vega, rendered to SVG headless) and rasterised to PNG by resvg. No hand-written drawing:
// a chart grammar and a renderer that both ship as well-kept npm packages.
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface GrowthRow {
  externalSecrets: number;
  /** B1: controller start to the last ExternalSecret Ready. */
  seconds: number | null;
  peakRssMiB: number | null;
  apiRequestsPerExternalSecret: number | null;
  providerCallsPerExternalSecret: number | null;
}

const PANELS: ReadonlyArray<{ field: keyof GrowthRow; title: string }> = [
  { field: 'seconds', title: 'B1 seconds to all Ready' },
  { field: 'peakRssMiB', title: 'controller peak RSS (MiB)' },
  { field: 'apiRequestsPerExternalSecret', title: 'API requests per ExternalSecret' },
  { field: 'providerCallsPerExternalSecret', title: 'provider calls per ExternalSecret' },
];

export function growthSpec(rows: readonly GrowthRow[]): TopLevelSpec {
  const panel = ({ field, title }: (typeof PANELS)[number]) => ({
    width: 260,
    height: 160,
    title,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: {
        field: 'externalSecrets',
        type: 'quantitative' as const,
        scale: { type: 'log' as const },
        title: 'ExternalSecrets',
      },
      y: { field, type: 'quantitative' as const, title: null, scale: { zero: true } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    data: { values: rows.map((r) => ({ ...r })) },
    vconcat: [{ hconcat: PANELS.slice(0, 2).map(panel) }, { hconcat: PANELS.slice(2).map(panel) }],
  };
}

export async function renderGrowthPng(rows: readonly GrowthRow[]): Promise<Buffer> {
  const view = new View(parse(compile(growthSpec(rows)).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
}
