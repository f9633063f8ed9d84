# A Python file is indexed as text.
print("hello from S3")
