# sam build calls build-<LogicalId> with ARTIFACTS_DIR (BuildMethod: makefile). One bootstrap serves every function.
PUBLISH = dotnet publish src/S3Connector.Lambda/S3Connector.Lambda.csproj -c Release -r linux-x64 -p:PublishAot=true -o

build-SchedulerFunction build-WorkerFunction:
	$(PUBLISH) "$(ARTIFACTS_DIR)"
	rm -f "$(ARTIFACTS_DIR)"/*.dbg
