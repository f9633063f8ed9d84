using BenchmarkDotNet.Running;
using S3Connector.Bench;

// bench e2e [objects] [runs]   full sync on the local stack vs a raw list+get+bulk baseline (see docs/BENCHMARKS.md);
//                               BENCH_PAGE_SIZE (default 100) and BENCH_CONCURRENCY (sync --concurrency, default 4)
// bench events [events] [samples]      events/s through the events handler, and put → searchable delay
// bench micro [BenchmarkDotNet args]   per-object CPU cost of the connector's mapping
// bench extract [runs]   extraction MB/s per format, in-process
// bench memory [files]   peak memory of a dry-run sync over 10 MB files with the default concurrency
// bench scale [keys] [runs]   one prefix vs 16 prefixes vs a sequential lister with delayed listings, and re-sync costs;
//                              BENCH_LIST_DELAY_MS (default 100, 0 = none), BENCH_CONCURRENCY (16), BENCH_PAGE_SIZE (connector default)
if (args is ["extract", ..])
{
    return await ExtractionBench.ThroughputAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

if (args is ["memory", ..])
{
    return await ExtractionBench.MemoryAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 32);
}

if (args is ["micro", ..])
{
    BenchmarkSwitcher.FromAssembly(typeof(MappingBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

if (args is ["scale", ..])
{
    var keys = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    return await ScaleBench.RunAsync(keys, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

if (args is ["events", ..])
{
    var events = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
    var samples = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50;
    return await EventsBench.RunAsync(events, samples);
}

var objects = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5_000;
var runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
return await EndToEnd.RunAsync(objects, runs);
