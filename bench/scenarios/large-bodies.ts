// Owns the large-body scenario: a 1 GiB upload and a 1 GiB download through each target,
// with its RSS sampled every 100 ms (issue 6: RSS growth under 50 MB for 1 GiB each way).
// Its own group, so that every target starts fresh and the growth is measured from a
// process that has just been warmed up, not from one that has served other loads.

import { awaitQuiet, foreignCores, snapshotLoad } from '../lib/machine-load.js';
import { sampleRss } from '../lib/rss-sampler.js';
import { sleep } from '../lib/stats.js';
import { runBulk } from '../load/bulk.js';
import { runWrk } from '../load/wrk.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

const MB = 1e6;
const MIB = 1024 ** 2;

export const largeBodies: LoadScenario = {
  kind: 'load',
  id: 'large-bodies',
  title: '1 GiB upload and 1 GiB download, one stream each',
  targets: ['bare', 'gateway', 'nginx'],
  group: 'large-bodies',
  rounds: (options) => options.bodyRounds,
  async measure(target, ctx) {
    const { options, layout, tools } = ctx;
    const waitedMs = await awaitQuiet(ctx.quietBudget);
    // A second of small requests first: the baseline is a warm process (JIT, pools), not a cold one.
    await runWrk({ wrk: tools.wrk, cpus: layout.loadGenerator, url: `${target.url}/page`, seconds: 1, connections: 4 });
    await sleep(500);
    const baseline = target.rss();
    const proxyBefore = target.proxyCpu();
    const upstreamBefore = target.upstreamCpu();
    const loadBefore = snapshotLoad();

    const uploadRss = sampleRss(target.rssPid);
    const upload = await runBulk(layout.loadGenerator, 'upload', target.url, options.bodyBytes);
    const uploadPeak = uploadRss.stop();

    const downloadRss = sampleRss(target.rssPid);
    const download = await runBulk(layout.loadGenerator, 'download', target.url, options.bodyBytes);
    const downloadPeak = downloadRss.stop();
    const loadAfter = snapshotLoad();
    const proxyUs = target.proxyCpu() - proxyBefore;
    const upstreamUs = target.upstreamCpu() - upstreamBefore;

    return {
      uploadMiBps: options.bodyBytes / MIB / (upload.ms / 1000),
      downloadMiBps: options.bodyBytes / MIB / (download.ms / 1000),
      baselineRssMB: baseline / MB,
      uploadPeakRssMB: uploadPeak / MB,
      downloadPeakRssMB: downloadPeak / MB,
      uploadGrowthMB: (uploadPeak - baseline) / MB,
      downloadGrowthMB: (downloadPeak - baseline) / MB,
      endRssMB: target.rss() / MB,
      foreignCores: foreignCores(loadBefore, loadAfter, target.id === 'bare' ? proxyUs : proxyUs + upstreamUs),
      quietWaitMs: waitedMs,
    };
  },
  rows: [
    { metric: 'uploadMiBps', label: 'upload MiB/s', better: 'higher', digits: 0 },
    { metric: 'downloadMiBps', label: 'download MiB/s', better: 'higher', digits: 0 },
    { metric: 'baselineRssMB', label: 'RSS before (MB)', better: 'lower', digits: 1 },
    { metric: 'uploadGrowthMB', label: 'RSS growth, upload (MB)', better: 'lower', digits: 1 },
    { metric: 'downloadGrowthMB', label: 'RSS growth, download (MB)', better: 'lower', digits: 1 },
    { metric: 'downloadPeakRssMB', label: 'peak RSS, download (MB)', better: 'lower', digits: 1 },
    FOREIGN_ROW,
  ],
};
