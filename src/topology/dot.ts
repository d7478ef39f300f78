import type { Topology } from './spec';

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * A topology as a GraphViz graph: the outer namespace (host or named) holding bridges, tunnels
 * and parent devices; one cluster per container with its interfaces; link types (and VLAN ids)
 * on the edges.
 */
export function topologyDot(topo: Topology): string {
  const lines: string[] = [
    'graph topology {',
    '  graph [rankdir=LR, fontname="Helvetica", compound=true];',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const outer = topo.namespace ? `namespace ${topo.namespace}` : 'host';
  lines.push('  subgraph cluster_outer {', `    label=${q(outer)}; style=rounded; color=gray40;`);
  for (const [name, b] of Object.entries(topo.bridges)) {
    lines.push(
      `    ${q(`bridge:${name}`)} [label=${q(`${name}\n(${b.mode === 'patch' ? 'patch' : 'bridge'})`)}, shape=box, style=filled, fillcolor=lightblue];`,
    );
  }
  for (const t of topo.tunnels) {
    lines.push(
      `    ${q(`tunnel:${t.dev}`)} [label=${q(`${t.dev}\n${t.type} vni ${t.vni}\nto ${t.remote}`)}, shape=cds, style=filled, fillcolor=khaki];`,
    );
  }
  const parents = new Set(
    topo.links.filter((l) => l.type !== 'veth' && l.outerDev).map((l) => l.outerDev ?? ''),
  );
  for (const p of parents) lines.push(`    ${q(`dev:${p}`)} [label=${q(p)}, shape=box];`);
  lines.push('  }');

  const containers = [
    ...new Set([...topo.links.map((l) => l.container), ...topo.commands.map((c) => c.container)]),
  ];
  containers.forEach((c, i) => {
    lines.push(`  subgraph cluster_c${i} {`, `    label=${q(`container ${c}`)}; style=rounded;`);
    for (const l of topo.links.filter((x) => x.container === c)) {
      const label = [l.dev, l.ip, l.mac].filter(Boolean).join('\n');
      lines.push(`    ${q(`${c}/${l.dev}`)} [label=${q(label)}, shape=ellipse];`);
    }
    if (!topo.links.some((x) => x.container === c))
      lines.push(`    ${q(`${c}/`)} [label=${q(c)}, shape=plaintext];`);
    lines.push('  }');
  });

  for (const l of topo.links) {
    const from = q(`${l.container}/${l.dev}`);
    const tags = [
      l.type === 'vlan' ? `vlan ${l.vlanid}` : l.type,
      l.mode,
      ...l.netem.map((n) => `netem ${n}`),
    ];
    const label = q(tags.filter(Boolean).join('\n'));
    if (l.type === 'veth' && l.bridge)
      lines.push(
        `  ${from} -- ${q(`bridge:${l.bridge}`)} [label=${label}, headlabel=${q(l.outerDev ?? '')}];`,
      );
    else if (l.outerDev) lines.push(`  ${from} -- ${q(`dev:${l.outerDev}`)} [label=${label}, style=dashed];`);
  }
  for (const t of topo.tunnels)
    lines.push(`  ${q(`tunnel:${t.dev}`)} -- ${q(`bridge:${t.bridge}`)} [label=${q(t.type)}];`);
  lines.push('}', '');
  return lines.join('\n');
}

/** SVG from DOT without a system graphviz (Graphviz compiled to WebAssembly). */
export async function dotToSvg(dot: string): Promise<string> {
  const mod: {
    instance?: typeof import('@viz-js/viz').instance;
    default?: { instance: typeof import('@viz-js/viz').instance };
  } = await import('@viz-js/viz');
  const instance = mod.instance ?? mod.default?.instance;
  if (!instance) throw new Error('@viz-js/viz: no instance()');
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
