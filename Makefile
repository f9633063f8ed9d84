# sam build calls build-<LogicalId> with ARTIFACTS_DIR (BuildMethod: makefile). One bootstrap serves every function
# (the function's Handler picks the code), so it is published once and copied. With `sam build --build-in-source`
# (set in samconfig.toml) the publish below is also reused between builds while no source changed.
# RID=linux-arm64 builds for Graviton (template parameter Architecture=arm64): natively on an arm64 machine, or
# cross-compiled on x64 after scripts/arm64-toolchain.sh install. sam build does not tell a Makefile the function's
# architecture (aws/aws-sam-cli#3349), hence the variable.
RID ?= linux-x64
BOOTSTRAP = artifacts/bootstrap/$(RID)/bootstrap
SOURCES = $(shell find src -name '*.cs' -o -name '*.csproj' -o -name 'packages.lock.json') Directory.Build.props Directory.Packages.props

$(BOOTSTRAP): $(SOURCES)
	./scripts/publish-lambda.sh aot $(RID)

build-SchedulerFunction build-WorkerFunction build-EventsFunction build-DeadLetterFunction: $(BOOTSTRAP)
	cp $(BOOTSTRAP) "$(ARTIFACTS_DIR)/bootstrap"

# The zips for deploying without SAM (artifacts/lambda-<rid>.zip), and the JIT build the benchmarks compare with.
zip: $(BOOTSTRAP)
jit:
	./scripts/publish-lambda.sh jit $(RID)

.PHONY: build-SchedulerFunction build-WorkerFunction build-EventsFunction build-DeadLetterFunction zip jit
